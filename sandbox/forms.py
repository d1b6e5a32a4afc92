from django import forms
from django.contrib.auth import authenticate
from oauth2_provider.forms import AllowForm

from sandbox.scopes import DemoScopes


class SandboxLoginForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        person = authenticate(email=cleaned.get("email"), password=cleaned.get("password"))
        if person is None:
            raise forms.ValidationError("That e-mail and password do not match a demo account.")
        cleaned["person"] = person
        return cleaned


class ConsentForm(AllowForm):
    """DOT's consent form, with one tick box per permission, as real providers offer."""

    granted = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        descriptions = DemoScopes().get_all_scopes()
        self.fields["granted"].choices = list(descriptions.items())

    def clean(self):
        cleaned = super().clean()
        requested = (cleaned.get("scope") or "").split()
        granted = [scope for scope in cleaned.get("granted", []) if scope in requested]
        if cleaned.get("allow"):
            if not granted:
                raise forms.ValidationError(
                    "Tick at least one permission, or press Cancel to refuse."
                )
            cleaned["scope"] = " ".join(granted)
        return cleaned
