using Keyward.Common;
using Keyward.Recovery;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages;

/// <summary>
/// Requests for review: the requests awaiting validation that the signed-in person may approve now — those whose
/// <see cref="RequestActions.Approve"/> the core answers true — read a page of the core's list at a time.
/// </summary>
public sealed class ReviewModel : WebPage
{
    [BindProperty(Name = Pager.Parameter, SupportsGet = true)]
    public int? PageNumber { get; set; }

    public Page<RequestView>? Listed { get; private set; }

    public IReadOnlyList<RequestView> ToReview { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var workflow = HttpContext.RequestServices.GetRequiredService<RecoveryWorkflow>();
        var listed = await workflow.ListAsync(Access, new RequestFilter(RequestStatus.AwaitingValidation, null), new PageRequest(PageNumber, 100), HttpContext.RequestAborted);
        if (!listed.IsSuccess)
        {
            Refusal = listed.Error.Detail;
            return;
        }

        Listed = listed.Value;
        ToReview = listed.Value.Results.Where(r => r.Actions.Approve).ToList();
    }
}
