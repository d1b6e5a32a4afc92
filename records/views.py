from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from records.selectors import my_data


@login_required
def data_index(request: HttpRequest) -> HttpResponse:
    return render(request, "records/index.html", {"sections": my_data(user=request.user)})
