using Keyward.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Keyward.Web.Tests.Browser;

/// <summary>
/// Bad input in the remaining forms — Reject and Cancel reasons, the File Store password, the audit filters — gets a
/// clear message or a 400, never a 500, and changes nothing. A server of its own, so its certificates are free.
/// </summary>
public sealed class DecisionFormBadInputTests(WebFixture web) : IClassFixture<WebFixture>
{
    private WebServer Server => web.Server;

    [Fact]
    public async Task RejectAndCancel_ReasonTooLongOrNul_RefusedAndStillAwaitingValidation()
    {
        var (olivia, request) = await NewRequestAsync("Key Recovery - Dual Control", "Expired");
        var victor = await web.Browser.NewPageAsync();
        await victor.SignInAsync(Server, "victor");
        await victor.GotoAsync(Server.Url(request));

        var reason = victor.GetByLabel("Reason for rejecting");
        await reason.EvaluateAsync("e => e.removeAttribute('maxlength')");
        await reason.FillAsync(new string('r', 2001));
        var tooLong = await victor.RunAndWaitForResponseAsync(() => victor.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, tooLong.Status);
        Assert.Contains("2000", await victor.Locator("[data-valmsg-for=Reason]").InnerTextAsync(), StringComparison.Ordinal);

        await victor.GetByLabel("Reason for rejecting").FillAsync("a\0b");
        var nul = await victor.RunAndWaitForResponseAsync(() => victor.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, nul.Status);

        // The requester cancels with a reason the core refuses.
        await olivia.GotoAsync(Server.Url(request));
        var cancel = olivia.GetByLabel("Reason for cancelling");
        await cancel.EvaluateAsync("e => e.removeAttribute('maxlength')");
        await cancel.FillAsync(new string('c', 2001) + "<script>alert(1)</script>");
        var cancelled = await olivia.RunAndWaitForResponseAsync(() => olivia.GetByRole(AriaRole.Button, new() { Name = "Cancel request" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, cancelled.Status);
        Assert.Contains("2000", await olivia.Locator("[data-valmsg-for=CancelReason]").InnerTextAsync(), StringComparison.Ordinal);

        await olivia.GotoAsync(Server.Url(request));
        Assert.Equal("AwaitingValidation", await olivia.Locator("#request-status").InnerTextAsync());
        Assert.Equal(0, await olivia.Locator(".history li", new() { HasText = "Rejected" }).CountAsync());
    }

    [Fact]
    public async Task Collect_PasswordsThatDifferOrBreakThePolicy_RefusedWithAMessage_AndStillCollectable()
    {
        var (_, request) = await NewRequestAsync("Key Recovery - Soft Certificate", "Issued");
        var victor = await web.Browser.NewPageAsync();
        await victor.SignInAsync(Server, "victor");
        await victor.GotoAsync(Server.Url(request));
        await victor.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        Assert.Equal("AwaitingIssue", await victor.Locator("#request-status").InnerTextAsync());

        var carol = await web.Browser.NewPageAsync();
        await carol.SignInAsync(Server, "carol");
        foreach (var (password, again, field) in new[]
                 {
                     ("Correct-Horse-Battery-42", "Correct-Horse-Battery-43", "ConfirmPassword"),
                     ("short", "short", "Password"),
                     (string.Empty, string.Empty, "Password"),
                 })
        {
            await carol.GotoAsync(Server.Url(request));
            await carol.GetByLabel("I choose the password").CheckAsync();
            await carol.GetByLabel("Password (if you choose it)").FillAsync(password);
            await carol.GetByLabel("Password again").FillAsync(again);
            var refused = await carol.RunAndWaitForResponseAsync(() => carol.GetByRole(AriaRole.Button, new() { Name = "Collect" }).ClickAsync(), r => r.Request.Method == "POST");
            Assert.Equal(400, refused.Status);
            Assert.NotEmpty((await carol.Locator($"[data-valmsg-for={field}]").InnerTextAsync()).Trim());
            Assert.Equal(0, await carol.Locator("#generated-password").CountAsync());
        }

        await carol.GotoAsync(Server.Url(request));
        Assert.Equal("AwaitingIssue", await carol.Locator("#request-status").InnerTextAsync());
    }

    [Fact]
    public async Task AuditFilters_ScriptAndUnknownOutcome_NoServerError_AndScriptShownAsText()
    {
        var admin = await web.Browser.NewPageAsync();
        var dialogs = 0;
        admin.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await admin.SignInAsync(Server, "admin");
        var script = "<script>alert(1)</script>";

        var scripted = await admin.GotoAsync(Server.Url("/audit?action=" + Uri.EscapeDataString(script) + "&subject=" + Uri.EscapeDataString(script)));
        Assert.Equal(200, scripted!.Status);
        Assert.Equal(script, await admin.GetByLabel("Action (prefix)").InputValueAsync());

        var unknown = await admin.GotoAsync(Server.Url("/audit?outcome=Bogus&p=-5"));
        Assert.InRange(unknown!.Status, 200, 499);
        Assert.Equal(0, dialogs);
    }

    /// <summary>olivia asks for carol's certificate of that status with <paramref name="profile"/>; answers her page and the request's path.</summary>
    private async Task<(IPage Olivia, string Request)> NewRequestAsync(string profile, string status)
    {
        var olivia = await web.Browser.NewPageAsync();
        await olivia.SignInAsync(Server, "olivia");
        var person = await olivia.OpenPersonAsync(Server, "Carol");
        await olivia.GotoAsync(person + "/recover");
        await olivia.GetByLabel($"Soft certificates: {profile}").CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();
        await olivia.GetByRole(AriaRole.Checkbox, new() { Name = status }).CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.WaitForAddressAsync("/requests/");
        return (olivia, new Uri(olivia.Url).AbsolutePath);
    }
}
