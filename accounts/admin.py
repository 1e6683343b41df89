from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import LoginFailure, User

admin.site.register(User, UserAdmin)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ["username", "ip_address", "created_at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "created_at"
