"""The notify service's audit trail (X2)."""

from services.common.audit import AuditTrail
from services.notify.models import AuditChainHead, AuditRecord

trail = AuditTrail("notify", AuditRecord, AuditChainHead)
