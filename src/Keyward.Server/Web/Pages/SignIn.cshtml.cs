using Keyward.ApiClients;
using Keyward.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Keyward.Server.Web.Pages;

/// <summary>
/// The password sign-in form (<see cref="PasswordSignIn"/>), and the "Sign in with …" link when single sign-on is
/// configured (<see cref="WebOidc"/>); a refused single sign-on comes back here with <c>refused=…</c>.
/// </summary>
public sealed class SignInModel : PageModel
{
    [BindProperty]
    public string? LogonName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Why a single sign-on was refused: a key of <see cref="OidcSignIn.Refusals"/>.</summary>
    [BindProperty(SupportsGet = true, Name = "refused")]
    public string? Refused { get; set; }

    public string? Refusal { get; private set; }

    /// <summary>The provider's name on the "Sign in with …" link; null when single sign-on is off.</summary>
    public string? SingleSignOn => HttpContext.RequestServices.GetRequiredService<WebOptions>().Oidc is { Enabled: true } oidc ? oidc.DisplayName : null;

    public void OnGet()
    {
        if (Refused is not null)
        {
            Refusal = OidcSignIn.Refusals.GetValueOrDefault(Refused, OidcSignIn.Refusals["provider"]);
            Response.StatusCode = StatusCodes.Status403Forbidden;
        }
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(LogonName))
        {
            ModelState.AddModelError(nameof(LogonName), "Enter your logon name.");
        }

        if (string.IsNullOrEmpty(Password))
        {
            ModelState.AddModelError(nameof(Password), "Enter your password.");
        }

        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var signIn = HttpContext.RequestServices.GetRequiredService<PasswordSignIn>();
        var person = await signIn.SignInAsync(LogonName, Password, SignInAttempt.AddressOf(HttpContext.Connection.RemoteIpAddress), HttpContext.RequestAborted);
        Password = null;
        if (!person.IsSuccess)
        {
            Refusal = person.Error.Detail;
            Response.StatusCode = person.Error.Code == SignInErrors.RateLimited.Code ? StatusCodes.Status429TooManyRequests : StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(WebSessions.Scheme, WebSessions.PrincipalFor(person.Value.Id, person.Value.LogonName));
        return LocalRedirect(ReturnUrl is { Length: > 0 } url && Url.IsLocalUrl(url) && !url.StartsWith("/signout", StringComparison.OrdinalIgnoreCase) ? url : "/");
    }
}
