"""Federation URLs answered whatever the Accept header: WebFinger, NodeInfo and the actor collections."""
urlpatterns: list = []
