using Keyward.Common;
using Keyward.Scopes;
using Keyward.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Keyward.Server.Web;

/// <summary>
/// A page of the Operator Client for a signed-in person: resolves their <see cref="AccessContext"/> once per request
/// through <see cref="CallerAccessor"/>, exactly as the Core API does for a token, and signs out a session whose
/// person is gone or disabled. Pages pass <see cref="Access"/> to one use case of the core and show its answer; the
/// helpers here only translate a core <see cref="Error"/> into what a page shows.
/// </summary>
public abstract class WebPage : PageModel
{
    private AccessContext? _access;

    /// <summary>The signed-in person's access context (set before any handler runs).</summary>
    public AccessContext Access => _access ?? throw new InvalidOperationException("The caller has not been resolved.");

    /// <summary>A form-level message from the core (a refusal that concerns no one field), shown above the form.</summary>
    public string? Refusal { get; protected set; }

    /// <summary>A confirmation carried over a redirect (post, redirect, get).</summary>
    [TempData]
    public string? Done { get; set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var callers = HttpContext.RequestServices.GetRequiredService<CallerAccessor>();
        var resolved = await callers.ResolveAsync(User, HttpContext.RequestAborted).ConfigureAwait(false);
        if (!resolved.IsSuccess)
        {
            await HttpContext.SignOutAsync(WebSessions.Scheme).ConfigureAwait(false);
            context.Result = new RedirectToPageResult("/SignIn");
            return;
        }

        _access = resolved.Value;
        ViewData["Caller"] = resolved.Value.Caller;
        await next().ConfigureAwait(false);
    }

    /// <summary>The 404 page: what a person sees for a record that does not exist and for one they may not see alike.</summary>
    protected IActionResult NotFoundPage() => new PartialViewResult
    {
        ViewName = "_NotFound",
        StatusCode = StatusCodes.Status404NotFound,
        ViewData = ViewData,
    };

    /// <summary>
    /// Shows a core refusal: a record not found (or out of reach) is the 404 page; otherwise the page again with the
    /// core's message next to the field <paramref name="fieldFor"/> names for its code (or above the form), answered
    /// with the status the Core API would give.
    /// </summary>
    protected IActionResult Refused(Error error, Func<string, string?> fieldFor)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(fieldFor);
        if (error.Kind == ErrorKind.NotFound && fieldFor(error.Code) is null)
        {
            return NotFoundPage();
        }

        if (fieldFor(error.Code) is { } field)
        {
            ModelState.AddModelError(field, error.Detail);
        }
        else
        {
            Refusal = error.Detail;
        }

        Response.StatusCode = Problems.Problems.StatusFor(error.Kind);
        return Page();
    }
}
