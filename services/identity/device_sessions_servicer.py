"""The RPCs through which a login manages its own sessions (I10) and remembered devices (I4)."""

from __future__ import annotations

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.db import Database, utcnow
from services.identity import device_sessions, remembered_devices
from services.identity.settings import IdentitySettings
from services.identity.staff_servicer import timestamp


class DeviceSessionRpcs:
    """Mixed into IdentityServicer, which provides `_database` and `_settings`."""

    _database: Database
    _settings: IdentitySettings

    def ListSessions(
        self, request: identity_pb2.ListSessionsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ListSessionsResponse:
        with self._database.transaction() as session:
            caller, rows = device_sessions.list_sessions(
                session, token=request.session_token, idle_timeout=self._settings.session_idle
            )
            return identity_pb2.ListSessionsResponse(
                sessions=[
                    identity_pb2.DeviceSession(
                        session_id=row.id,
                        device_label=row.device_label,
                        created_at=timestamp(row.created_at),
                        last_seen_at=timestamp(row.last_seen_at or row.created_at),
                        factors=row.factors,
                        current=row.id == caller.id,
                    )
                    for row in rows
                ]
            )

    def EndSession(
        self, request: identity_pb2.EndSessionRequest, context: grpc.ServicerContext
    ) -> identity_pb2.EndSessionResponse:
        with self._database.transaction() as session:
            device_sessions.end_session(
                session,
                token=request.session_token,
                session_id=request.session_id,
                idle_timeout=self._settings.session_idle,
            )
        return identity_pb2.EndSessionResponse()

    def EndOtherSessions(
        self, request: identity_pb2.EndOtherSessionsRequest, context: grpc.ServicerContext
    ) -> identity_pb2.EndOtherSessionsResponse:
        with self._database.transaction() as session:
            ended = device_sessions.end_other_sessions(
                session, token=request.session_token, idle_timeout=self._settings.session_idle
            )
        return identity_pb2.EndOtherSessionsResponse(ended=ended)

    def ListRememberedDevices(
        self, request: identity_pb2.ListRememberedDevicesRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ListRememberedDevicesResponse:
        with self._database.transaction() as session:
            current = remembered_devices.recognized(
                session, request.account_id, request.device_token, utcnow()
            )
            rows = remembered_devices.listed(session, request.account_id)
            return identity_pb2.ListRememberedDevicesResponse(
                devices=[
                    identity_pb2.RememberedDevice(
                        device_id=row.id,
                        label=row.label,
                        created_at=timestamp(row.created_at),
                        last_used_at=timestamp(row.last_used_at or row.created_at),
                        expires_at=timestamp(row.expires_at),
                        current=current is not None and row.id == current.id,
                    )
                    for row in rows
                ]
            )

    def ForgetRememberedDevice(
        self, request: identity_pb2.ForgetRememberedDeviceRequest, context: grpc.ServicerContext
    ) -> identity_pb2.ForgetRememberedDeviceResponse:
        with self._database.transaction() as session:
            remembered_devices.forget(
                session, account_id=request.account_id, device_id=request.device_id
            )
        return identity_pb2.ForgetRememberedDeviceResponse()
