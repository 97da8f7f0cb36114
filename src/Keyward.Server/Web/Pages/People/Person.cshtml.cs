using Keyward.Common;
using Keyward.People;
using Keyward.Recovery;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages.People;

/// <summary>
/// A person's page: details, certificates, devices and requests (tabs), each read through the core's use case with
/// the caller's access, so a person out of reach is the 404 page like one that does not exist.
/// </summary>
public sealed class PersonModel : WebPage
{
    public static readonly IReadOnlyList<(string Key, string Label)> Tabs = [("details", "Details"), ("certificates", "Certificates"), ("devices", "Devices"), ("requests", "Requests")];

    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = string.Empty;

    [BindProperty(SupportsGet = true)]
    public string? Tab { get; set; }

    [BindProperty(Name = Pager.Parameter, SupportsGet = true)]
    public int? PageNumber { get; set; }

    public PersonView Person { get; private set; } = null!;

    public Page<CertificateView>? Certificates { get; private set; }

    public Page<DeviceView>? Devices { get; private set; }

    public Page<RequestView>? Requests { get; private set; }

    public bool IsSelf => Person.Id == Access.Caller.PersonId;

    public string CurrentTab => Tabs.Any(t => t.Key == Tab) ? Tab! : "details";

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var people = HttpContext.RequestServices.GetRequiredService<PeopleDirectory>();
        var person = await people.GetAsync(Access, Id, ct);
        if (!person.IsSuccess)
        {
            return NotFoundPage();
        }

        Person = person.Value;
        var page = new PageRequest(PageNumber, 50);
        switch (CurrentTab)
        {
            case "certificates":
                var certificates = await people.CertificatesAsync(Access, Id, page, ct);
                var devices = await people.DevicesAsync(Access, Id, new PageRequest(1, PageRequest.MaxSize), ct);
                Certificates = certificates.IsSuccess ? certificates.Value : null;
                Devices = devices.IsSuccess ? devices.Value : null;
                Refusal = certificates.Error?.Detail;
                break;
            case "devices":
                var owned = await people.DevicesAsync(Access, Id, page, ct);
                Devices = owned.IsSuccess ? owned.Value : null;
                Refusal = owned.Error?.Detail;
                break;
            case "requests":
                var requests = await HttpContext.RequestServices.GetRequiredService<RecoveryWorkflow>().ListAsync(Access, new RequestFilter(null, Id), page, ct);
                Requests = requests.IsSuccess ? requests.Value : null;
                Refusal = requests.Error?.Detail;
                break;
        }

        return Page();
    }

    /// <summary>The serial number of the device a certificate is on, as the person's device list shows it.</summary>
    public string? DeviceSerial(string? deviceId) => deviceId is null ? null : Devices?.Results.FirstOrDefault(d => d.Id == deviceId)?.SerialNumber ?? "a device";
}
