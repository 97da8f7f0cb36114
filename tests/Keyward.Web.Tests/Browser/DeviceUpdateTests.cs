using Keyward.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Keyward.Web.Tests.Browser;

/// <summary>Recovery onto the owner's existing card: what is on the card is ticked, and unticking says it will be removed.</summary>
public sealed class DeviceUpdateTests(WebFixture web) : IClassFixture<WebFixture>
{
    private WebServer Server => web.Server;

    [Fact]
    public async Task DeviceUpdate_CertificateOnCardUnticked_WarnsItWillBeRemovedFromTheCard()
    {
        var olivia = await web.Browser.NewPageAsync();
        await olivia.SignInAsync(Server, "olivia");
        await olivia.OpenPersonAsync(Server, "Carol");
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.GetByLabel("Update the SmartCard DEMO-CARD-CAROL").CheckAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Next: choose certificates" }).ClickAsync();

        // The certificate on the card is ticked; unticking it shows the warning in words.
        var onCard = olivia.GetByRole(AriaRole.Checkbox, new() { Name = "Issued" });
        Assert.True(await onCard.IsCheckedAsync());
        var warning = olivia.GetByText("Unticked: this certificate will be removed from the card.");
        Assert.False(await warning.IsVisibleAsync());
        await onCard.UncheckAsync();
        Assert.True(await warning.IsVisibleAsync());
        await olivia.GetByRole(AriaRole.Checkbox, new() { Name = "Expired" }).CheckAsync();
        await olivia.ScreenshotAsync("device-update");
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Recover certificates" }).ClickAsync();
        await olivia.WaitForAddressAsync("/requests/");

        var removal = olivia.Locator("#removal-warning");
        Assert.Contains("removes this certificate from the card", await removal.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Issued", await removal.Locator("tbody").InnerTextAsync(), StringComparison.Ordinal);
        await olivia.ScreenshotAsync("view-request-device-update");
    }
}
