from django.urls import path

from records import views

urlpatterns = [path("", views.data_index, name="my_data")]
