using Keyward.Common;

namespace Keyward.Audit;

public static class AuditErrors
{
    public static readonly Error Forbidden = new("audit.forbidden", ErrorKind.Forbidden, "Not allowed", "Reading and verifying the audit trail needs the ViewAudit operation.");
}
