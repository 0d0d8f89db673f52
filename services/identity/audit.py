"""The identity service's audit trail (X2)."""

from services.common.audit import AuditTrail
from services.identity.models import AuditChainHead, AuditRecord

trail = AuditTrail("identity", AuditRecord, AuditChainHead)
