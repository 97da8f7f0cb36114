using Keyward.Common;
using Keyward.Recovery;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages.Requests;

/// <summary>
/// View Request: the request as <see cref="RecoveryWorkflow.GetAsync"/> shows it to the caller, with a form for each
/// step in its <see cref="RequestView.Actions"/> — and for no other. Each form calls one use case; its refusal (someone
/// acted first, a note too long, a password the policy refuses) is shown by its field.
/// </summary>
public sealed class ViewModel : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = string.Empty;

    [BindProperty]
    public string? Notes { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public string? CancelReason { get; set; }

    /// <summary><c>generate</c> (Keyward generates the PFX password and shows it once) or <c>choose</c>.</summary>
    [BindProperty]
    public string? PasswordChoice { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    public RequestView Shown { get; private set; } = null!;

    /// <summary>After a File Store collection: the link that downloads the PFX once.</summary>
    public string? DownloadUrl { get; private set; }

    /// <summary>After a File Store collection with a generated password: that password, shown this once.</summary>
    public string? GeneratedPassword { get; private set; }

    private RecoveryWorkflow Workflow => HttpContext.RequestServices.GetRequiredService<RecoveryWorkflow>();

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFoundPage();

    public Task<IActionResult> OnPostApproveAsync() =>
        StepAsync(() => Workflow.ApproveAsync(Access, Id, Blank(Notes), Channel.Web, HttpContext.RequestAborted), nameof(Notes), "You approved the request.");

    public Task<IActionResult> OnPostRejectAsync() =>
        StepAsync(() => Workflow.RejectAsync(Access, Id, Blank(Reason), Channel.Web, HttpContext.RequestAborted), nameof(Reason), "You rejected the request.");

    public Task<IActionResult> OnPostCancelAsync() =>
        StepAsync(() => Workflow.CancelAsync(Access, Id, Blank(CancelReason), Channel.Web, HttpContext.RequestAborted), nameof(CancelReason), "You cancelled the request.");

    public async Task<IActionResult> OnPostCollectAsync()
    {
        if (!await LoadAsync())
        {
            return NotFoundPage();
        }

        string? password = null;
        if (PasswordChoice == "choose")
        {
            if (string.IsNullOrEmpty(Password))
            {
                ModelState.AddModelError(nameof(Password), "Enter the password to protect the file with, or let Keyward generate one.");
            }
            else if (Password != ConfirmPassword)
            {
                ModelState.AddModelError(nameof(ConfirmPassword), "The two passwords differ.");
            }

            password = Password;
        }
        else if (PasswordChoice != "generate")
        {
            ModelState.AddModelError(nameof(PasswordChoice), "Choose whether Keyward generates the password or you choose it.");
        }

        Password = ConfirmPassword = null;
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var collected = await Workflow.CollectPfxAsync(Access, Id, password, Channel.Web, HttpContext.RequestAborted);
        if (!collected.IsSuccess)
        {
            return Refused(collected.Error, code => code == RequestErrors.PasswordPolicy.Code ? nameof(Password) : null);
        }

        Response.Headers.CacheControl = "no-store";
        Shown = collected.Value.Request;
        var ticket = HttpContext.RequestServices.GetRequiredService<PfxDownloads>().Keep(Access.Caller.PersonId, Id, collected.Value.Pfx);
        DownloadUrl = $"/requests/{Id}/pfx/{ticket}";
        GeneratedPassword = collected.Value.Password;
        return Page();
    }

    /// <summary>The command that collects a request the browser cannot (System Store, smart cards), for the computer where the card or store is.</summary>
    public string CollectCommand()
    {
        var server = $"{HttpContext.Request.Scheme}://{HttpContext.Request.Host}";
        var module = Shown.CollectionMethod is CollectionMethod.NewCard or CollectionMethod.CardUpdate ? " --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so" : string.Empty;
        return $"KEYWARD_SERVER={server} keyward collect {Shown.Id}{module}";
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private async Task<IActionResult> StepAsync(Func<Task<Result<RequestView>>> step, string field, string done)
    {
        if (!await LoadAsync())
        {
            return NotFoundPage();
        }

        var result = await step();
        if (!result.IsSuccess)
        {
            return Refused(result.Error, code => code == RequestErrors.NotesTooLong.Code ? field : null);
        }

        Done = done;
        return Redirect($"/requests/{Id}");
    }

    private async Task<bool> LoadAsync()
    {
        var request = await Workflow.GetAsync(Access, Id, HttpContext.RequestAborted);
        if (request.IsSuccess)
        {
            Shown = request.Value;
        }

        return request.IsSuccess;
    }
}
