from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0003_listing_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="InstanceSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("short_description", models.CharField(blank=True, max_length=250, verbose_name="short description")),
                ("description", models.TextField(blank=True, max_length=10000, verbose_name="description")),
                (
                    "admin_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="administrator contact email"),
                ),
            ],
            options={"verbose_name": "instance settings", "verbose_name_plural": "instance settings"},
        ),
    ]
