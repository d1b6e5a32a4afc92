from django.urls import path
from oauth2_provider import views as oauth2_views

from sandbox import api, views

app_name = "sandbox"

urlpatterns = [
    path("", views.grants, name="grants"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("grants/expire/", views.expire_access, name="expire_access"),
    path("grants/revoke/", views.revoke_grant, name="revoke_grant"),
    path("data/workouts/add/", views.add_workout, name="add_workout"),
    path("data/delete/", views.delete_point, name="delete_point"),
    path("api/webhooks/keyset.json", views.keyset, name="webhook_keyset"),
    path("o/authorize/", views.ConsentView.as_view(), name="authorize"),
    path("o/token/", oauth2_views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke_token"),
    path("api/whoami", api.whoami, name="whoami"),
    path("api/v4/users/me/identity", api.identity, name="identity"),
    path(
        "api/v4/users/me/dataTypes/<str:data_type>/dataPoints",
        api.data_points_list,
        name="data_points_list",
    ),
    path(
        "api/v4/users/me/dataTypes/<str:data_type>/dataPoints:dailyRollUp",
        api.daily_roll_up,
        name="daily_roll_up",
    ),
]
