using System.Security.Cryptography.X509Certificates;
using Keyward.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Keyward.Web.Tests.Browser;

/// <summary>
/// The key recovery procedure in the Operator Client, in real Chromium against a real server: an operator asks, a
/// validator approves, the owner collects and opens the file.
/// </summary>
public sealed class RecoveryFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private WebServer Server => web.Server;

    [Fact]
    public async Task SoftCertificateRecovery_OliviaRequestsVictorApprovesCarolCollects_PfxOpensWithShownPassword()
    {
        // olivia (Recovery Operator) finds carol and asks for two archived certificates as soft certificates.
        var olivia = await web.Browser.NewPageAsync();
        await olivia.GotoAsync(Server.Url("/signin"));
        await olivia.ScreenshotAsync("sign-in");
        await olivia.SignInAsync(Server, "olivia");
        await olivia.GotoAsync(Server.Url("/people?q=carol"));
        await olivia.ScreenshotAsync("search-people");
        await olivia.OpenPersonAsync(Server, "Carol");
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Certificates", Exact = true }).ClickAsync();
        await olivia.ScreenshotAsync("person-certificates");
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.GetByLabel("Soft certificates: Key Recovery - Soft Certificate").CheckAsync();
        await olivia.ScreenshotAsync("recover-target");
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();
        var archived = olivia.GetByRole(AriaRole.Checkbox);
        Assert.Equal(3, await archived.CountAsync());
        await olivia.GetByRole(AriaRole.Checkbox, new() { Name = "Issued" }).CheckAsync();
        await olivia.GetByRole(AriaRole.Checkbox, new() { Name = "Expired" }).CheckAsync();
        await olivia.ScreenshotAsync("recover-certificates");
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.WaitForAddressAsync("/requests/");
        var requestUrl = olivia.Url;
        Assert.Equal("AwaitingValidation", await olivia.Locator("#request-status").InnerTextAsync());
        Assert.Equal(2, await olivia.Locator("#certificates-heading + table tbody tr").CountAsync());

        // The requester may cancel, never approve her own request.
        Assert.Equal(0, await olivia.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync());
        Assert.Equal(1, await olivia.GetByRole(AriaRole.Button, new() { Name = "Cancel request" }).CountAsync());

        // victor (Recovery Validator) finds it in his queue and approves it.
        var victor = await web.Browser.NewPageAsync();
        await victor.SignInAsync(Server, "victor");
        await victor.GetByRole(AriaRole.Link, new() { Name = "Requests for review" }).First.ClickAsync();
        await victor.ScreenshotAsync("requests-for-review");
        var queued = victor.Locator($"a[href='{new Uri(requestUrl).AbsolutePath}']");
        Assert.Equal(1, await queued.CountAsync());
        await queued.ClickAsync();
        await victor.ScreenshotAsync("view-request");
        await victor.GetByLabel("Approval notes (optional)").FillAsync("Ticket 4711: lost laptop");
        await victor.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await victor.GetByText("You approved the request.").WaitForAsync();
        Assert.Equal("AwaitingIssue", await victor.Locator("#request-status").InnerTextAsync());
        Assert.Equal(0, await victor.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync());

        // olivia still sees no Approve button, now that the request awaits issue.
        await olivia.ReloadAsync();
        Assert.Equal(0, await olivia.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync());

        // carol collects it from "My requests" with a generated password and downloads the PFX.
        var carol = await web.Browser.NewPageAsync();
        await carol.SignInAsync(Server, "carol");
        await carol.GetByRole(AriaRole.Link, new() { Name = "My requests" }).First.ClickAsync();
        await carol.Locator($"a[href='{new Uri(requestUrl).AbsolutePath}']").ClickAsync();
        await carol.GetByLabel("Generate a password (shown once)").CheckAsync();
        await carol.GetByRole(AriaRole.Button, new() { Name = "Collect" }).ClickAsync();
        var password = await carol.GetByLabel("PFX password").InputValueAsync();
        Assert.False(string.IsNullOrEmpty(password));
        await carol.ScreenshotAsync("collected");
        var download = await carol.RunAndWaitForDownloadAsync(() => carol.GetByRole(AriaRole.Link, new() { Name = "Download the PFX file" }).ClickAsync());
        var file = Path.Combine(Path.GetTempPath(), $"keyward-web-{Guid.NewGuid():N}.pfx");
        try
        {
            await download.SaveAsAsync(file);
            var keys = X509CertificateLoader.LoadPkcs12CollectionFromFile(file, password).Where(c => c.HasPrivateKey).ToList();
            Assert.Equal(2, keys.Count);
            Assert.All(keys, c => Assert.Equal("CN=Carol", c.Subject));
        }
        finally
        {
            File.Delete(file);
        }

        // The link served its one download.
        var again = await carol.APIRequest.GetAsync(Server.Url(new Uri(download.Url).AbsolutePath));
        Assert.Equal(404, again.Status);
    }

    [Fact]
    public async Task PersonPage_CardholderOfAnotherDepartment_NotFoundLikeAMissingPerson()
    {
        var olivia = await web.Browser.NewPageAsync();
        await olivia.SignInAsync(Server, "olivia");
        var carolsPage = await olivia.OpenPersonAsync(Server, "Carol");

        var dave = await web.Browser.NewPageAsync();
        await dave.SignInAsync(Server, "dave");
        var outOfReach = await dave.GotoAsync(carolsPage);
        var body = await dave.Locator("main").InnerTextAsync();
        var missing = await dave.GotoAsync(Server.Url("/people/no-such-person"));

        Assert.Equal(404, outOfReach!.Status);
        Assert.Equal(404, missing!.Status);
        Assert.Equal(await dave.Locator("main").InnerTextAsync(), body);
        Assert.DoesNotContain("Carol", body, StringComparison.Ordinal);
        await dave.GotoAsync(carolsPage + "/recover");
        Assert.DoesNotContain("Carol", await dave.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }
}
