from django.apps import AppConfig


class ListenersConfig(AppConfig):
    name = "airwaves.listeners"
    label = "listeners"
    verbose_name = "Listeners"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from airwaves.listeners.signals import merge_guest_data

        # Every way of logging in (log-in form, sign-up, password reset, admin)
        # moves what the listener did as a guest into their account.
        user_logged_in.connect(merge_guest_data, dispatch_uid="listeners.merge_guest_data")
