from django.db import migrations, models


class Migration(migrations.Migration):
    """LoginFailure becomes Attempt: one table for every rate-limited action (failed
    log-ins keep their rows: their actions keep the old scope values)."""

    dependencies = [
        ("listeners", "0002_accounts_follows_actions"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="loginfailure", name="login_failure_lookup"),
        migrations.RenameModel("LoginFailure", "Attempt"),
        migrations.RenameField("attempt", "scope", "action"),
        migrations.AlterField(
            model_name="attempt",
            name="action",
            field=models.CharField(
                choices=[
                    ("username", "Failed log-in for a username"),
                    ("address", "Failed log-in from an address"),
                    ("signup", "Account created from an address"),
                    ("reset", "Password reset asked from an address"),
                    ("reset-mail", "Password reset sent to an e-mail address"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="attempt",
            index=models.Index(fields=["action", "key", "at"], name="attempt_lookup"),
        ),
        migrations.RenameIndex(
            model_name="attempt", new_name="attempt_age", old_name="login_failure_age"
        ),
    ]
