"""The admin pages for following other instances."""
urlpatterns: list = []
