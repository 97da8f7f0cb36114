namespace Keyward.Changes;

/// <summary>One administrator's approval of a change request. Its key is (change request, approver): one approval each.</summary>
public sealed class ChangeApproval
{
    private ChangeApproval()
    {
        ChangeRequestId = ApproverId = ApproverName = string.Empty;
    }

    internal ChangeApproval(string changeRequestId, string approverId, string approverName, DateTime at, string? notes)
    {
        ChangeRequestId = changeRequestId;
        ApproverId = approverId;
        ApproverName = approverName;
        At = at;
        Notes = notes;
    }

    public string ChangeRequestId { get; private set; }

    public string ApproverId { get; private set; }

    public string ApproverName { get; private set; }

    /// <summary>UTC.</summary>
    public DateTime At { get; private set; }

    public string? Notes { get; private set; }
}
