namespace Keyward.Server.Web.Pages;

/// <summary>The start page: where a signed-in person can go.</summary>
public sealed class IndexModel : WebPage
{
    public void OnGet()
    {
    }
}
