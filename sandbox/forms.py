from allauth.account.adapter import get_adapter
from django import forms
from oauth2_provider.forms import AllowForm

from sandbox.scopes import DemoScopes


class SandboxLoginForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # allauth's own door: the same lock-out after failed attempts as Tendon's login page.
        person = get_adapter(self.request).authenticate(
            self.request, email=cleaned["email"], password=cleaned["password"]
        )
        if person is None:
            raise forms.ValidationError("That e-mail and password do not match a demo account.")
        cleaned["person"] = person
        return cleaned


class ConsentForm(AllowForm):
    """DOT's consent form, with one tick box per permission, as real providers offer."""

    granted = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    # Google's incremental authorization: the new grant adds to what was allowed before.
    include_granted_scopes = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        descriptions = DemoScopes().get_all_scopes()
        self.fields["granted"].choices = list(descriptions.items())

    def clean(self):
        cleaned = super().clean()
        cleaned["include_granted_scopes"] = cleaned.get("include_granted_scopes") == "true"
        requested = (cleaned.get("scope") or "").split()
        granted = [scope for scope in cleaned.get("granted", []) if scope in requested]
        if cleaned.get("allow"):
            if not granted:
                raise forms.ValidationError(
                    "Tick at least one permission, or press Cancel to refuse."
                )
            cleaned["scope"] = " ".join(granted)
        return cleaned
