using Keyward.Audit;
using Keyward.Common;
using Keyward.Recovery;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages;

/// <summary>The audit trail within the caller's reach (<see cref="AuditLog.ListAsync(Keyward.Scopes.AccessContext, AuditFilter, PageRequest, Channel, CancellationToken)"/>), searchable and paged, with the chain's verification.</summary>
public sealed class AuditModel : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Subject { get; set; }

    [BindProperty(SupportsGet = true)]
    public AuditOutcome? Outcome { get; set; }

    [BindProperty(Name = Pager.Parameter, SupportsGet = true)]
    public int? PageNumber { get; set; }

    public Page<AuditEntryView>? Entries { get; private set; }

    public AuditVerification? Verification { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var audit = HttpContext.RequestServices.GetRequiredService<AuditLog>();
        var ct = HttpContext.RequestAborted;
        var entries = await audit.ListAsync(Access, new AuditFilter(Blank(Action), Blank(Subject), Outcome: Outcome), new PageRequest(PageNumber, 50), Channel.Web, ct);
        if (!entries.IsSuccess)
        {
            return Refused(entries.Error, _ => null);
        }

        Entries = entries.Value;
        var verified = await audit.VerifyAsync(Access, Channel.Web, ct);
        Verification = verified.IsSuccess ? verified.Value : null;
        return Page();
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
