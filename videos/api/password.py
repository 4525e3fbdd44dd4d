"""`PUT /users/me` with `password`: a user changes their own password, proving the current one (PeerTube).

Every OAuth token of the user is revoked by the change itself (videos.services.accounts), the one sending
this request included: the client logs in again with the new password.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.errors import ApiError


class OwnPasswordInput(serializers.Serializer):
    currentPassword = serializers.CharField(max_length=255, required=False)
    password = serializers.CharField(min_length=6, max_length=255, required=False)


class OwnPasswordChange:
    """The `put` of the `/users/me` view; fields of PeerTube's profile other than the password are ignored."""

    def put(self, request: Request) -> Response:
        data = OwnPasswordInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "password" in values:
            if not values.get("currentPassword"):
                raise ApiError(400, "currentPassword parameter is missing")
            if not request.user.check_password(values["currentPassword"]):
                raise ApiError(401, "currentPassword is invalid.", "current_password_is_invalid")
            request.user.set_password(values["password"])
            request.user.save(update_fields=["password"])
        return Response(status=204)
