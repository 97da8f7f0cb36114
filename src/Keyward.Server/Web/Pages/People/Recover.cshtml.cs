using Keyward.Common;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Microsoft.AspNetCore.Mvc;

namespace Keyward.Server.Web.Pages.People;

/// <summary>
/// Recover certificates, in two steps: choose the target (soft certificates or a new smart card under one of the
/// profiles the caller may use, or one of the person's devices), then tick the archived certificates. Submitting
/// calls <see cref="RecoveryWorkflow.RequestAsync"/> or <see cref="RecoveryWorkflow.RequestDeviceUpdateAsync"/>; every
/// rule (who may ask, which profile, which certificates) is the core's, and its refusal is shown by the field it concerns.
/// </summary>
public sealed class RecoverModel : WebPage
{
    private const string ProfilePrefix = "profile:";
    private const string DevicePrefix = "device:";

    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = string.Empty;

    /// <summary><c>profile:ID</c> (a new credential under that profile) or <c>device:ID</c> (an update of that device).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Target { get; set; }

    [BindProperty]
    public List<string> Certificates { get; set; } = [];

    public PersonView Person { get; private set; } = null!;

    public IReadOnlyList<CredentialProfileView> Profiles { get; private set; } = [];

    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    public IReadOnlyList<CertificateView> Archived { get; private set; } = [];

    /// <summary>The target chosen, once it names one of the choices offered.</summary>
    public string? TargetLabel { get; private set; }

    /// <summary>The device of a device update: its certificates are pre-ticked, and unticking one removes it from the card.</summary>
    public DeviceView? Device { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync())
        {
            return NotFoundPage();
        }

        if (Target is not null && TargetLabel is null)
        {
            ModelState.AddModelError(nameof(Target), "Choose where to recover the certificates to.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        if (Device is not null)
        {
            Certificates = Archived.Where(c => c.DeviceId == Device.Id).Select(c => c.Id).ToList();
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync())
        {
            return NotFoundPage();
        }

        if (TargetLabel is null)
        {
            ModelState.AddModelError(nameof(Target), "Choose where to recover the certificates to.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var workflow = HttpContext.RequestServices.GetRequiredService<RecoveryWorkflow>();
        var ct = HttpContext.RequestAborted;
        var created = Device is not null
            ? await workflow.RequestDeviceUpdateAsync(Access, Device.Id, new NewRequest(null, Certificates), Channel.Web, ct)
            : await workflow.RequestAsync(Access, Id, new NewRequest(Target![ProfilePrefix.Length..], Certificates), Channel.Web, ct);
        if (!created.IsSuccess)
        {
            return Refused(created.Error, FieldFor);
        }

        Done = $"Request created: {created.Value.Status}.";
        return Redirect($"/requests/{created.Value.Id}");
    }

    public static string TargetOf(CredentialProfileView profile) => ProfilePrefix + profile.Id;

    public static string TargetOf(DeviceView device) => DevicePrefix + device.Id;

    public static string Describe(CredentialProfileView profile) => profile.CardEncoding == CardEncoding.SmartCard
        ? $"New smart card: {profile.Name}"
        : $"Soft certificates: {profile.Name}";

    public static string Describe(DeviceView device) => $"Update the {device.Type} {device.SerialNumber} ({device.Status})";

    /// <summary>Which field a core refusal concerns: the target (profile, device, who may ask or receive) or the certificates.</summary>
    private static string? FieldFor(string code) => code switch
    {
        "recovery.no_certificates" or "recovery.too_many_certificates" or "recovery.duplicate_certificate" or "recovery.unknown_certificate"
            or "recovery.not_archived" or "recovery.already_requested" or "recovery.removal_not_allowed" => nameof(Certificates),
        "recovery.profile_not_found" or "recovery.profile_not_for_recovery" or "recovery.profile_mismatch" or "recovery.device_not_found"
            or "recovery.device_not_updatable" or "recovery.own_device" or "recovery.cannot_request" or "recovery.cannot_receive"
            or "recovery.self_requests_disabled" or "recovery.target_disabled" => nameof(Target),
        _ => null,
    };

    /// <summary>Loads the person (false when out of reach), the choices offered and the archived certificates.</summary>
    private async Task<bool> LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var people = HttpContext.RequestServices.GetRequiredService<PeopleDirectory>();
        var person = await people.GetAsync(Access, Id, ct);
        if (!person.IsSuccess)
        {
            return false;
        }

        Person = person.Value;
        var all = new PageRequest(1, PageRequest.MaxSize);
        Profiles = (await HttpContext.RequestServices.GetRequiredService<ProfileCatalog>().ListAsync(Access, all, ct)).Results;
        var devices = await people.DevicesAsync(Access, Id, all, ct);
        Devices = devices.IsSuccess ? devices.Value.Results : [];
        var certificates = await people.CertificatesAsync(Access, Id, all, ct);
        Archived = certificates.IsSuccess ? certificates.Value.Results.Where(c => c.Archived).ToList() : [];

        if (Target?.StartsWith(ProfilePrefix, StringComparison.Ordinal) == true && Profiles.FirstOrDefault(p => TargetOf(p) == Target) is { } profile)
        {
            TargetLabel = Describe(profile);
        }
        else if (Target?.StartsWith(DevicePrefix, StringComparison.Ordinal) == true && Devices.FirstOrDefault(d => TargetOf(d) == Target) is { } device)
        {
            Device = device;
            TargetLabel = Describe(device);
        }

        return true;
    }
}
