using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages;

/// <summary>Sign-out: a form (POST with its anti-forgery token) that ends the session for good (<see cref="WebSessions.End"/>).</summary>
public sealed class SignOutModel : WebPage
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        HttpContext.RequestServices.GetRequiredService<WebSessions>().End(User);
        await HttpContext.SignOutAsync(WebSessions.Scheme);
        return RedirectToPage("/SignIn");
    }
}
