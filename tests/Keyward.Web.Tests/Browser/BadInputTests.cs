using Keyward.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Keyward.Web.Tests.Browser;

/// <summary>
/// Bad input in the forms — empty, too long, script, a tampered hidden field, NUL, a form replayed after sign-out —
/// gets a clear message or a 400, never a 500, and changes nothing.
/// </summary>
public sealed class BadInputTests(WebFixture web) : IClassFixture<WebFixture>
{
    private WebServer Server => web.Server;

    [Fact]
    public async Task SignIn_EmptyOrWrong_ClearMessageAndNoSession()
    {
        var page = await web.Browser.NewPageAsync();
        await page.GotoAsync(Server.Url("/signin"));
        var empty = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, empty.Status);
        Assert.Equal("Enter your logon name.", await page.Locator("[data-valmsg-for=LogonName]").InnerTextAsync());

        await page.GetByLabel("Logon name").FillAsync("olivia");
        await page.GetByLabel("Password").FillAsync("not-her-password");
        var wrong = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(401, wrong.Status);
        Assert.Contains("not right", await page.Locator(".refusal").InnerTextAsync(), StringComparison.Ordinal);

        var home = await page.GotoAsync(Server.Url("/"));
        Assert.EndsWith("/signin?returnUrl=%2F", page.Url, StringComparison.Ordinal);
        Assert.Equal(200, home!.Status);
    }

    [Fact]
    public async Task Search_ScriptTag_ShownAsText()
    {
        var page = await web.Browser.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.SignInAsync(Server, "olivia");
        var script = "<script>alert(1)</script>";
        var response = await page.GotoAsync(Server.Url("/people?q=" + Uri.EscapeDataString(script) + "&group=" + Uri.EscapeDataString(script)));

        Assert.Equal(200, response!.Status);
        Assert.Equal(script, await page.GetByLabel("Logon name or name starts with").InputValueAsync());
        Assert.Contains("0 people found", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Recover_TamperedTargetOrCertificate_400WithMessageAndNoRequest()
    {
        var page = await web.Browser.NewPageAsync();
        await page.SignInAsync(Server, "olivia");
        var person = await page.OpenPersonAsync(Server, "Carol");
        var before = await RequestCountAsync(page, person);
        await page.GotoAsync(person + "/recover");
        await page.GetByLabel("Soft certificates: Key Recovery - Soft Certificate").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();

        // A hidden field changed to another target.
        await page.Locator("input[type=hidden][name=target]").EvaluateAsync("e => e.value = 'profile:no-such-profile'");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Expired" }).CheckAsync();
        var tampered = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, tampered.Status);
        Assert.Equal("Choose where to recover the certificates to.", await page.Locator("[data-valmsg-for=Target]").First.InnerTextAsync());

        // No certificate ticked: the core's message, by the certificates.
        await page.GotoAsync(person + "/recover");
        await page.GetByLabel("Soft certificates: Key Recovery - Soft Certificate").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();
        var none = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, none.Status);
        Assert.NotEmpty(await page.Locator("[data-valmsg-for=Certificates]").InnerTextAsync());

        // A certificate id that is not one of hers.
        await page.Locator("input[name=certificates]").First.EvaluateAsync("e => { e.value = 'no-such-certificate'; e.checked = true; }");
        var unknown = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.InRange(unknown.Status, 400, 499);

        Assert.Equal(before, await RequestCountAsync(page, person));
    }

    [Fact]
    public async Task Approve_NotesTooLongOrNul_RefusedAndStillAwaitingValidation()
    {
        var (olivia, request) = await NewRequestAsync("Expired");
        var victor = await web.Browser.NewPageAsync();
        await victor.SignInAsync(Server, "victor");
        await victor.GotoAsync(Server.Url(request));
        var notes = victor.GetByLabel("Approval notes (optional)");
        await notes.EvaluateAsync("e => e.removeAttribute('maxlength')");
        await notes.FillAsync(new string('x', 2001) + "<script>alert(1)</script>");
        var tooLong = await victor.RunAndWaitForResponseAsync(() => victor.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, tooLong.Status);
        Assert.Contains("2000", await victor.Locator("[data-valmsg-for=Notes]").InnerTextAsync(), StringComparison.Ordinal);

        await notes.FillAsync("a\0b");
        var nul = await victor.RunAndWaitForResponseAsync(() => victor.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, nul.Status);

        await olivia.GotoAsync(Server.Url(request));
        Assert.Equal("AwaitingValidation", await olivia.Locator("#request-status").InnerTextAsync());
    }

    [Fact]
    public async Task Approve_FormReplayedAfterSignOut_RefusedAndStillAwaitingValidation()
    {
        var (olivia, request) = await NewRequestAsync("Issued");
        var victor = await web.Browser.NewPageAsync();
        await victor.SignInAsync(Server, "victor");
        await victor.GotoAsync(Server.Url(request));
        var cookies = await victor.Context.CookiesAsync();
        var form = victor.Locator("form:has(button:text-is('Approve'))");
        var action = await form.EvaluateAsync<string>("f => f.action");
        var token = await form.Locator("input[name=__keyward_form]").InputValueAsync();
        await victor.SignOutAsync();

        // The same form with the cookies saved before sign-out, sent again.
        var replay = await victor.Context.Browser!.NewContextAsync();
        await replay.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        var replayed = await replay.APIRequest.PostAsync(action, new() { Form = replay.APIRequest.CreateFormData().Set("__keyward_form", token).Set("Notes", "replayed"), MaxRedirects = 0 });
        Assert.True(replayed.Status is 302 or 400, $"A replayed form is answered {replayed.Status}.");
        if (replayed.Status == 302)
        {
            Assert.Contains("/signin", replayed.Headers["location"], StringComparison.Ordinal);
        }

        // The browser that signed out, sending it again without a session.
        var signedOut = await victor.APIRequest.PostAsync(action, new() { Form = victor.APIRequest.CreateFormData().Set("__keyward_form", token).Set("Notes", "replayed"), MaxRedirects = 0 });
        Assert.True(signedOut.Status is 302 or 400, $"A form sent after sign-out is answered {signedOut.Status}.");

        await olivia.GotoAsync(Server.Url(request));
        Assert.Equal("AwaitingValidation", await olivia.Locator("#request-status").InnerTextAsync());
        Assert.Equal(0, await olivia.Locator(".history li", new() { HasText = "replayed" }).CountAsync());
    }

    private static async Task<int> RequestCountAsync(IPage page, string person)
    {
        await page.GotoAsync(person + "?tab=requests");
        return await page.Locator("main a[href^='/requests/']").CountAsync();
    }

    /// <summary>olivia asks for carol's certificate of that status as soft certificates; answers her page and the request's path.</summary>
    private async Task<(IPage Olivia, string Request)> NewRequestAsync(string status)
    {
        var olivia = await web.Browser.NewPageAsync();
        await olivia.SignInAsync(Server, "olivia");
        var person = await olivia.OpenPersonAsync(Server, "Carol");
        await olivia.GotoAsync(person + "/recover");
        await olivia.GetByLabel("Soft certificates: Key Recovery - Dual Control").CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();
        var free = olivia.GetByRole(AriaRole.Checkbox, new() { Name = status });
        await free.CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.WaitForAddressAsync("/requests/");
        return (olivia, new Uri(olivia.Url).AbsolutePath);
    }
}
