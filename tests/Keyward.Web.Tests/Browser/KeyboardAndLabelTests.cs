using Keyward.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Keyward.Web.Tests.Browser;

/// <summary>The pages work with the keyboard alone, and every control has an accessible name.</summary>
public sealed class KeyboardAndLabelTests(WebFixture web) : IClassFixture<WebFixture>
{
    private WebServer Server => web.Server;

    [Fact]
    public async Task RecoveryFlow_KeyboardOnly_CreatesTheRequest()
    {
        var page = await web.Browser.NewPageAsync();
        await page.GotoAsync(Server.Url("/signin"));

        // The logon name has the focus; type, Tab, type, Enter.
        await page.Keyboard.TypeAsync("olivia");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(Operator.Password);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("^(?!.*/signin)");

        await TabToAsync(page, "Find a person");
        await page.Keyboard.TypeAsync("carol");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("q=carol");
        await TabToAsync(page, "Carol");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("/people/");
        await TabToAsync(page, "Recover certificates");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("/recover$");

        // Into the radio group, then arrow keys to the soft-certificate profile.
        await TabToAsync(page, "Key Recovery");
        for (var i = 0; i < 10 && !(await FocusedNameAsync(page)).Contains("Soft Certificate", StringComparison.Ordinal); i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
        }

        Assert.Contains("Key Recovery - Soft Certificate", await FocusedNameAsync(page), StringComparison.Ordinal);
        await TabToAsync(page, "Next: choose certificates");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("target=");

        await TabToAsync(page, "Expired");
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(page, "Recover certificates");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("/requests/");
        Assert.Equal("AwaitingValidation", await page.Locator("#request-status").InnerTextAsync());
    }

    [Fact]
    public async Task EveryPage_EveryControl_HasAnAccessibleName()
    {
        var olivia = await web.Browser.NewPageAsync();
        await olivia.GotoAsync(Server.Url("/signin"));
        var pages = new List<(IPage Page, string Path)> { (olivia, "/signin") };
        await olivia.SignInAsync(Server, "olivia");
        var carol = await olivia.OpenPersonAsync(Server, "Carol");
        var carolPath = new Uri(carol).AbsolutePath;
        var admin = await web.Browser.NewPageAsync();
        await admin.SignInAsync(Server, "admin");

        var visited = new List<string>();
        var missing = new List<string>();
        foreach (var path in new[] { "/", "/people?q=a", carolPath, carolPath + "?tab=certificates", carolPath + "?tab=devices", carolPath + "?tab=requests", carolPath + "/recover" })
        {
            await olivia.GotoAsync(Server.Url(path));
            missing.AddRange(await UnnamedAsync(olivia, path));
            visited.Add(path);
        }

        // The second step of Recover certificates, then the request it makes, as its requester and as a validator.
        await olivia.GetByLabel("Soft certificates: Key Recovery - Soft Certificate").CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();
        missing.AddRange(await UnnamedAsync(olivia, "recover (certificates)"));
        await olivia.GetByRole(AriaRole.Checkbox, new() { Name = "Issued" }).CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.WaitForAddressAsync("/requests/");
        var request = new Uri(olivia.Url).AbsolutePath;
        missing.AddRange(await UnnamedAsync(olivia, request + " (requester)"));

        foreach (var path in new[] { request, "/review", "/audit", "/audit?action=recovery" })
        {
            await admin.GotoAsync(Server.Url(path));
            missing.AddRange(await UnnamedAsync(admin, path + " (admin)"));
        }

        // The collect form of an approved File Store request.
        await admin.GotoAsync(Server.Url(request));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await admin.GetByText("You approved the request.").WaitForAsync();
        await olivia.GotoAsync(Server.Url(request));
        Assert.Equal(1, await olivia.GetByRole(AriaRole.Button, new() { Name = "Collect" }).CountAsync());
        missing.AddRange(await UnnamedAsync(olivia, request + " (collect)"));
        await admin.GotoAsync(Server.Url("/audit"));
        Assert.StartsWith("The chain is intact", await admin.Locator("#chain-status").InnerTextAsync(), StringComparison.Ordinal);
        await admin.ScreenshotAsync("audit");
        Assert.True(await admin.Locator("table.audit tbody tr").CountAsync() > 0);

        // The page number is read from the address: far past the end, no rows.
        await admin.GotoAsync(Server.Url("/audit?p=999"));
        Assert.Equal(0, await admin.Locator("table.audit tbody tr").CountAsync());

        Assert.Empty(missing);
    }

    /// <summary>Presses Tab until the focused element's accessible name contains <paramref name="name"/>.</summary>
    private static async Task TabToAsync(IPage page, string name)
    {
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if ((await FocusedNameAsync(page)).Contains(name, StringComparison.Ordinal))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached '{name}' on {page.Url}.");
    }

    /// <summary>The focused element's name as a screen reader would start to read it: its labels' text, else its own text.</summary>
    private static Task<string> FocusedNameAsync(IPage page) => page.EvaluateAsync<string>(
        "() => { const e = document.activeElement; if (!e) return ''; const l = e.labels && e.labels.length ? [...e.labels].map(x => x.textContent).join(' ') : ''; return (l || e.getAttribute('aria-label') || e.textContent || e.value || '').replace(/\\s+/g, ' ').trim(); }");

    /// <summary>The visible form controls of the page without an accessible name (Chromium's accessibility tree decides).</summary>
    private static async Task<IReadOnlyList<string>> UnnamedAsync(IPage page, string where)
    {
        var unnamed = new List<string>();
        var controls = page.Locator("input:not([type=hidden]), select, textarea, button");
        var count = await controls.CountAsync();
        for (var i = 0; i < count; i++)
        {
            var control = controls.Nth(i);
            var snapshot = await control.AriaSnapshotAsync();
            var html = await control.EvaluateAsync<string>("e => e.outerHTML");

            // An aria snapshot names a control in quotes: - textbox "Logon name". Without a name there is no quote.
            if (!snapshot.Contains('"', StringComparison.Ordinal))
            {
                unnamed.Add($"{where}: {html}");
            }
        }

        return unnamed;
    }
}
