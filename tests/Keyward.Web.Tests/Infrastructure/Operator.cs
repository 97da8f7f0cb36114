using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
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
        await page.WaitForAddressAsync("^(?!.*/signin)");
    }

    public static async Task SignOutAsync(this IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForAddressAsync("/signin");
    }

    /// <summary>Searches for a person and opens their page; answers its address.</summary>
    public static async Task<string> OpenPersonAsync(this IPage page, WebServer server, string name)
    {
        await page.GotoAsync(server.Url("/people"));
        await page.GetByLabel("Logon name or name starts with").FillAsync(name.ToLowerInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        // The page before the search lists people too: the link is clicked on the search's answer, not on a page that
        // the search's navigation is replacing.
        await page.WaitForAddressAsync("[?&][Qq]=");
        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForAddressAsync("/people/");
        return page.Url;
    }

    /// <summary>
    /// Waits until the page's address matches <paramref name="pattern"/> (a regular expression) and its document has
    /// loaded, for as long as a slow page may take. Both are asked of the browser, which answers once it holds:
    /// Playwright's own <c>WaitForURLAsync</c> reads the page's load states and then subscribes to their event, while
    /// another thread delivers that event, so a page that finishes loading in between is missed and the wait runs out
    /// its timeout.
    /// </summary>
    public static async Task WaitForAddressAsync(this IPage page, [StringSyntax(StringSyntaxAttribute.Regex)] string pattern)
    {
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(pattern), new() { Timeout = 30_000 });
        var waited = Stopwatch.StartNew();
        while (await page.EvaluateAsync<string>("() => document.readyState") != "complete")
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"{page.Url} did not finish loading in 30 s.");
            }

            await Task.Delay(20);
        }
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
