"""The proxy service's audit trail (X2)."""

from services.common.audit import AuditTrail
from services.proxy.models import AuditChainHead, AuditRecord

trail = AuditTrail("proxy", AuditRecord, AuditChainHead)
