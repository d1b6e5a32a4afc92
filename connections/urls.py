from django.urls import path

from connections import views

urlpatterns = [
    path("", views.connect_index, name="connect"),
    path("<int:pk>/", views.connection_detail, name="connection_detail"),
    path("<int:pk>/progress/", views.connection_progress, name="connection_progress"),
    path("<int:pk>/disable/", views.connection_disable_view, name="connection_disable"),
    path("<int:pk>/enable/", views.connection_enable_view, name="connection_enable"),
    path("<int:pk>/remove/", views.connection_remove_view, name="connection_remove"),
    path("<int:pk>/sync/", views.connection_sync_view, name="connection_sync"),
    path("<int:pk>/reconnect/", views.connection_reconnect_view, name="connection_reconnect"),
    path("<str:provider>/", views.provider_detail, name="provider_detail"),
    path("<str:provider>/enable/", views.provider_enable, name="provider_enable"),
]
