"""The inboxes peers POST activities to: the shared one and each actor's own."""
urlpatterns: list = []
