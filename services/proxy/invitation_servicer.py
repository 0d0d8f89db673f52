"""The invitation RPCs of ProxyService (P1 to P3, E10): proto to use case and back, one
transaction per call. Mixed into ProxyServicer, whose attributes it uses."""

from __future__ import annotations

import grpc
from sqlalchemy.orm import Session
from vestibule.proxy.v1 import proxy_pb2

from services.common.db import Database
from services.common.outbox import Outbox
from services.proxy import messages, relationships
from services.proxy.acceptance import AcceptanceUseCases, NewAccount
from services.proxy.accounts import IdentityAccounts
from services.proxy.domain import RelationshipKind
from services.proxy.invitations import Invitation, InvitationUseCases, Invitee
from services.proxy.models import Relationship
from services.proxy.patients import Patients


def _invitee(message: proxy_pb2.Invitee) -> Invitee:
    return Invitee(message.first_name, message.last_name, message.email, message.relationship_label)


class InvitationRpcs:
    _database: Database
    _outbox: Outbox
    _patients: Patients
    _accounts: IdentityAccounts
    _portal_url: str

    @property
    def _invitations(self) -> InvitationUseCases:
        return InvitationUseCases(
            outbox=self._outbox,
            patients=self._patients,
            accounts=self._accounts,
            portal_url=self._portal_url,
        )

    @property
    def _acceptance(self) -> AcceptanceUseCases:
        return AcceptanceUseCases(
            outbox=self._outbox, patients=self._patients, accounts=self._accounts
        )

    def _message(self, session: Session, row: Relationship) -> proxy_pb2.Relationship:
        return messages.relationship(row, relationships.effective_of(session, self._patients, row))

    def InviteGuardian(
        self, request: proxy_pb2.InviteGuardianRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.InviteGuardianResponse:
        with self._database.transaction() as session:
            row = self._invitations.invite(
                session,
                Invitation(
                    kind=RelationshipKind.GUARDIAN,
                    idempotency_key=request.idempotency_key,
                    practice_id=request.practice_id,
                    patient_id=request.patient_id,
                    invitee=_invitee(request.invitee),
                    rights=tuple(request.rights),
                    preset=request.preset,
                ),
            )
            return proxy_pb2.InviteGuardianResponse(relationship=self._message(session, row))

    def InviteRepresentative(
        self, request: proxy_pb2.InviteRepresentativeRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.InviteRepresentativeResponse:
        with self._database.transaction() as session:
            row = self._invitations.invite(
                session,
                Invitation(
                    kind=RelationshipKind.REPRESENTATIVE,
                    idempotency_key=request.idempotency_key,
                    practice_id=request.practice_id,
                    patient_id=request.patient_id,
                    invitee=_invitee(request.invitee),
                    rights=tuple(request.rights),
                    preset=request.preset,
                    inviter_account_id=request.inviter_account_id,
                ),
            )
            return proxy_pb2.InviteRepresentativeResponse(relationship=self._message(session, row))

    def ResendProxyInvitation(
        self, request: proxy_pb2.ResendProxyInvitationRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ResendProxyInvitationResponse:
        with self._database.transaction() as session:
            row = self._invitations.resend(
                session,
                relationship_id=request.relationship_id,
                practice_id=request.scope.practice_id,
                patient_id=request.scope.patient_id,
            )
            return proxy_pb2.ResendProxyInvitationResponse(relationship=self._message(session, row))

    def VerifyProxyInvitation(
        self, request: proxy_pb2.VerifyProxyInvitationRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.VerifyProxyInvitationResponse:
        with self._database.transaction() as session:
            verified = self._acceptance.verify(
                session,
                token=request.invitation_token,
                zip_code=request.zip_code,
                date_of_birth=request.date_of_birth,
            )
            row = verified.relationship
            return proxy_pb2.VerifyProxyInvitationResponse(
                ticket=verified.ticket,
                kind=messages.KINDS[RelationshipKind(row.kind)],
                invitee=proxy_pb2.Invitee(
                    first_name=row.proxy_first_name,
                    last_name=row.proxy_last_name,
                    email=row.proxy_email or "",
                    relationship_label=row.relationship_label,
                ),
                practice_id=row.practice_id,
                patient_first_name=verified.patient_first_name,
            )

    def AcceptProxyInvitation(
        self, request: proxy_pb2.AcceptProxyInvitationRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.AcceptProxyInvitationResponse:
        with self._database.transaction() as session:
            row = self._acceptance.accept(
                session,
                ticket=request.ticket,
                account_id=request.account_id,
                relationship_label=request.relationship_label,
            )
            return proxy_pb2.AcceptProxyInvitationResponse(relationship=self._message(session, row))

    def CreateProxyAccount(
        self, request: proxy_pb2.CreateProxyAccountRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.CreateProxyAccountResponse:
        with self._database.transaction() as session:
            hint = self._acceptance.create_account(
                session,
                ticket=request.ticket,
                account=NewAccount(
                    username=request.username,
                    password=request.password,
                    email=request.email,
                    first_name=request.first_name,
                    last_name=request.last_name,
                    relationship_label=request.relationship_label,
                ),
            )
            return proxy_pb2.CreateProxyAccountResponse(code_destination_hint=hint)

    def CompleteProxyAccount(
        self, request: proxy_pb2.CompleteProxyAccountRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.CompleteProxyAccountResponse:
        with self._database.transaction() as session:
            completed = self._acceptance.complete_account(
                session,
                ticket=request.ticket,
                code=request.code,
                device_label=request.device_label,
            )
            answer = proxy_pb2.CompleteProxyAccountResponse(
                account_id=completed.account_id,
                relationship=self._message(session, completed.relationship),
            )
        if (opened := completed.session) is not None:
            answer.session.session_token = opened.token
            answer.session.factors = opened.factors
            answer.session.required_actions.extend(opened.required_actions)
            if opened.expires_at is not None:
                answer.session.expires_at.FromDatetime(opened.expires_at)
        return answer

    def ResendProxyAccountCode(
        self, request: proxy_pb2.ResendProxyAccountCodeRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ResendProxyAccountCodeResponse:
        with self._database.transaction() as session:
            hint = self._acceptance.resend_code(session, ticket=request.ticket)
            return proxy_pb2.ResendProxyAccountCodeResponse(code_destination_hint=hint)
