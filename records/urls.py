from django.urls import path

from records import views

urlpatterns = [
    path("", views.data_index, name="my_data"),
    path("everything.zip", views.data_download_all, name="my_data_download_all"),
    path("sources/", views.source_preferences, name="my_data_sources"),
    path("<slug:feed>.<str:fmt>", views.data_download, name="my_data_download"),
]
