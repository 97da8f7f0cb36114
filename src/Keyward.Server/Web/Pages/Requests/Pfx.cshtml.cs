using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages.Requests;

/// <summary>The one download of a collected PFX (<see cref="PfxDownloads"/>): the collector's only, once, never cached.</summary>
public sealed class PfxModel : WebPage
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = string.Empty;

    [BindProperty(SupportsGet = true)]
    public string Ticket { get; set; } = string.Empty;

    public IActionResult OnGet()
    {
        var pfx = HttpContext.RequestServices.GetRequiredService<PfxDownloads>().Take(Access.Caller.PersonId, Id, Ticket);
        if (pfx is null)
        {
            return NotFoundPage();
        }

        Response.Headers.CacheControl = "no-store";
        return File(pfx, "application/x-pkcs12", $"keyward-{Id}.pfx");
    }
}
