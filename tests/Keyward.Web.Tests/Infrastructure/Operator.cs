using Microsoft.Playwright;

namespace Keyward.Web.Tests.Infrastructure;

/// <summary>What a person does in the Operator Client, step by step, as the tests drive it.</summary>
public static class Operator
{
    public const string Password = "Demo-Pass-1!";

    public static async Task SignInAsync(this IPage page, WebServer server, string logonName)
    {
        await page.GotoAsync(server.Url("/signin"));
        await page.GetByLabel("Logon name").FillAsync(logonName);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
    }

    public static async Task SignOutAsync(this IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin", StringComparison.Ordinal));
    }

    /// <summary>Searches for a person and opens their page; answers its address.</summary>
    public static async Task<string> OpenPersonAsync(this IPage page, WebServer server, string name)
    {
        await page.GotoAsync(server.Url("/people"));
        await page.GetByLabel("Logon name or name starts with").FillAsync(name.ToLowerInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        // The page before the search lists people too: the link is clicked on the search's answer, not on a page that
        // the search's navigation is replacing.
        await page.WaitForURLAsync(url => url.Contains("Q=", StringComparison.OrdinalIgnoreCase));
        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/people/", StringComparison.Ordinal));
        return page.Url;
    }

    /// <summary>The id of the request whose page is open.</summary>
    public static string RequestId(this IPage page) => new Uri(page.Url).AbsolutePath.Split('/')[2];

    /// <summary>Saves a screenshot under artifacts/screenshots, and under docs/screenshots when KEYWARD_UPDATE_SCREENSHOTS=1.</summary>
    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        var root = Repository.Root;
        var folders = new List<string> { Path.Combine(root, "artifacts", "screenshots") };
        if (Environment.GetEnvironmentVariable("KEYWARD_UPDATE_SCREENSHOTS") == "1")
        {
            folders.Add(Path.Combine(root, "docs", "screenshots"));
        }

        foreach (var folder in folders)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        }
    }
}
