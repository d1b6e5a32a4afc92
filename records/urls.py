from django.urls import path

from records import views

urlpatterns = [
    path("", views.data_index, name="my_data"),
    path("<slug:feed>.<slug:fmt>", views.data_download, name="my_data_download"),
]
