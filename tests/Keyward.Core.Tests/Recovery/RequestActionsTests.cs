using Keyward.Audit;
using Keyward.Certificates;
using Keyward.Common;
using Keyward.KeyArchive;
using Keyward.People;
using Keyward.Profiles;
using Keyward.Recovery;
using Keyward.Scopes;
using Keyward.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.Recovery;

/// <summary>
/// The steps a request's answer offers its caller (docs/recovery.md#what-a-request-answer-carries), over a table of
/// caller, relation to the request and status — and, row by row, that the use cases take exactly the offered steps.
/// </summary>
/// <remarks>
/// The organisation is the demo's: admin (Administrator, All, in Acme), olivia (Recovery Operator, Division, in
/// Finance), victor (Recovery Validator, Division, in Finance), vera (Recovery Validator, Department, in Engineering),
/// carol (Cardholder, in Payroll), dave (Cardholder, in Engineering), erin (Cardholder, in Finance, disabled).
/// </remarks>
public class RequestActionsTests
{
    private const string FileStore = "p-file";
    private const string SystemStore = "p-store";
    private const string DualControl = "p-dual";

    private static readonly Role Administrator = TestOrg.Role("administrator", Operations.All);

    private static readonly Role Operator = TestOrg.Role(
        "operator",
        Operation.ViewPerson, Operation.ViewCertificate, Operation.ViewDevice, Operation.ViewRequest, Operation.SearchRequests,
        Operation.RecoverCertificatesToNewDevice, Operation.RecoverCertificates, Operation.CancelRequest,
        Operation.CollectCard, Operation.CollectSoftCertificate, Operation.CollectUpdates);

    private static readonly Role Validator = TestOrg.Role(
        "validator",
        Operation.ViewPerson, Operation.ViewCertificate, Operation.ViewDevice, Operation.ViewRequest, Operation.SearchRequests, Operation.ValidateRequest);

    private static readonly Role Cardholder = TestOrg.Role(
        "cardholder",
        Operation.ViewPerson, Operation.ViewCertificate, Operation.ViewDevice, Operation.ViewRequest,
        Operation.CollectMyCard, Operation.CollectMySoftCertificate, Operation.CollectMyUpdates, Operation.RequestMyRecovery);

    private static readonly Dictionary<string, Role> Roles = new[] { Administrator, Operator, Validator, Cardholder }.ToDictionary(r => r.Id);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Caller, who asked, for whom, profile, status → the steps offered (space-separated, in the order approve reject cancel collect).</summary>
    public static TheoryData<string, string, string, string, RequestStatus, string> Table => new()
    {
        // A validator in scope, neither requester nor recipient: validates while validation is open, nothing after.
        { "victor", "olivia", "carol", FileStore, RequestStatus.AwaitingValidation, "approve reject" },
        { "victor", "olivia", "carol", FileStore, RequestStatus.AwaitingIssue, "" },
        { "victor", "carol", "carol", FileStore, RequestStatus.AwaitingValidation, "approve reject" },

        // A validator whose Department does not reach the person; and one whose Department does.
        { "vera", "olivia", "carol", FileStore, RequestStatus.AwaitingValidation, "" },
        { "vera", "admin", "dave", FileStore, RequestStatus.AwaitingValidation, "approve reject" },

        // The operator who asked: cancels while outstanding, collects a File Store request once approved, never validates.
        { "olivia", "olivia", "carol", FileStore, RequestStatus.AwaitingValidation, "cancel" },
        { "olivia", "olivia", "carol", FileStore, RequestStatus.AwaitingIssue, "cancel collect" },
        { "olivia", "olivia", "carol", SystemStore, RequestStatus.AwaitingIssue, "cancel" },
        { "olivia", "olivia", "carol", FileStore, RequestStatus.InProgress, "" },
        { "olivia", "olivia", "carol", FileStore, RequestStatus.Cancelled, "" },

        // The recipient of an operator's request: collects it once approved (System Store too), cancels nothing.
        { "carol", "olivia", "carol", FileStore, RequestStatus.AwaitingValidation, "" },
        { "carol", "olivia", "carol", FileStore, RequestStatus.AwaitingIssue, "collect" },
        { "carol", "olivia", "carol", SystemStore, RequestStatus.AwaitingIssue, "collect" },
        { "carol", "olivia", "carol", FileStore, RequestStatus.Completed, "" },

        // The person who asked for their own keys: cancels while outstanding, collects once approved.
        { "carol", "carol", "carol", FileStore, RequestStatus.AwaitingValidation, "cancel" },
        { "carol", "carol", "carol", FileStore, RequestStatus.AwaitingIssue, "cancel collect" },
        { "carol", "carol", "carol", FileStore, RequestStatus.Rejected, "" },

        // Another cardholder: nothing.
        { "dave", "olivia", "carol", FileStore, RequestStatus.AwaitingIssue, "" },

        // An administrator holds every operation; as the requester, dual control still keeps them from validating.
        { "admin", "olivia", "carol", FileStore, RequestStatus.AwaitingValidation, "approve reject cancel" },
        { "admin", "admin", "carol", FileStore, RequestStatus.AwaitingValidation, "cancel" },
        { "admin", "admin", "carol", FileStore, RequestStatus.AwaitingIssue, "cancel collect" },
        { "admin", "admin", "carol", SystemStore, RequestStatus.AwaitingIssue, "cancel" },

        // A disabled person receives nothing: their request may be rejected or cancelled, not approved or collected.
        { "victor", "olivia", "erin", FileStore, RequestStatus.AwaitingValidation, "reject" },
        { "olivia", "olivia", "erin", FileStore, RequestStatus.AwaitingIssue, "cancel" },

        // Two approvals needed, one given by someone else: still open to this validator.
        { "victor", "olivia", "carol", DualControl, RequestStatus.AwaitingValidation, "approve reject" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void For_CallerRelationAndStatus_OffersTheTableSteps(string caller, string requester, string target, string profile, RequestStatus status, string expected)
    {
        var org = new Org();
        var request = org.Request(requester, target, profile, status, Now);

        var actions = RequestActions.For(org.Access(caller), request, PersonRef.From(org.Person(target)), org.Profile(profile), Now, TimeSpan.FromMinutes(10));

        Assert.Equal(expected, Names(actions));
    }

    [Fact]
    public void For_ValidatorWhoApprovedOneOfTwo_OffersRejectButNotApproveAgain()
    {
        var org = new Org();
        var request = RecoveryRequest.Open("req-1", RequestKind.SoftCertificate, "carol", "g-payroll", null, DualControl, ["cert-carol"], "olivia", 2, 2, Now, null, Channel.Api);
        Assert.True(request.Approve("victor", null, Now, Channel.Api).IsSuccess);
        Assert.Equal(RequestStatus.AwaitingValidation, request.Status);

        var actions = RequestActions.For(org.Access("victor"), request, PersonRef.From(org.Person("carol")), org.Profile(DualControl), Now, TimeSpan.FromMinutes(10));

        Assert.Equal("reject", Names(actions));
    }

    /// <summary>Every step offered succeeds through its use case, and every step not offered is refused by it.</summary>
    [Theory]
    [MemberData(nameof(Table))]
    public async Task For_EveryTableRow_TheUseCasesTakeExactlyTheOfferedSteps(string caller, string requester, string target, string profile, RequestStatus status, string expected)
    {
        var offered = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var step in new[] { "approve", "reject", "cancel", "collect" })
        {
            var org = new Org();
            var request = org.Request(requester, target, profile, status, Now);
            var workflow = org.Workflow(request, _clock);
            var access = org.Access(caller);

            var outcome = step switch
            {
                "approve" => (await workflow.ApproveAsync(access, request.Id, null, Channel.Api, CancellationToken.None)).Error,
                "reject" => (await workflow.RejectAsync(access, request.Id, null, Channel.Api, CancellationToken.None)).Error,
                "cancel" => (await workflow.CancelAsync(access, request.Id, null, Channel.Api, CancellationToken.None)).Error,
                _ when request.CollectionMethodUnder(org.Profile(profile)) == CollectionMethod.FileStore =>
                    (await workflow.CollectPfxAsync(access, request.Id, null, Channel.Api, CancellationToken.None)).Error,
                _ => (await workflow.BeginCollectionAsync(access, request.Id, new CollectionStart([1, 2, 3], TransportHash.Sha256, null), Channel.Api, CancellationToken.None)).Error,
            };

            Assert.True(offered.Contains(step) == (outcome is null), $"{caller} {step}: offered {offered.Contains(step)}, use case answered {outcome?.Code ?? "success"}");
        }
    }

    [Fact]
    public async Task GetAsync_AfterApproval_ViewCarriesTheCallersActionsAndCollectionMethod()
    {
        var org = new Org();
        var request = org.Request("olivia", "carol", FileStore, RequestStatus.AwaitingValidation, Now);
        var workflow = org.Workflow(request, _clock);

        var approved = await workflow.ApproveAsync(org.Access("victor"), request.Id, null, Channel.Api, CancellationToken.None);
        var asCarol = await workflow.GetAsync(org.Access("carol"), request.Id, CancellationToken.None);

        Assert.Equal(RequestActions.None, approved.Value.Actions);
        Assert.Equal("collect", Names(asCarol.Value.Actions));
        Assert.Equal(CollectionMethod.FileStore, asCarol.Value.CollectionMethod);
    }

    private static string Names(RequestActions actions) => string.Join(' ', new[]
    {
        actions.Approve ? "approve" : null,
        actions.Reject ? "reject" : null,
        actions.Cancel ? "cancel" : null,
        actions.Collect ? "collect" : null,
    }.OfType<string>());

    /// <summary>The demo's people and profiles, fresh for each use: use cases change what they load.</summary>
    private sealed class Org
    {
        private readonly Dictionary<string, Person> _people = new(StringComparer.Ordinal);
        private readonly Dictionary<string, CredentialProfile> _profiles = new(StringComparer.Ordinal);

        public Org()
        {
            Add("admin", TestOrg.Acme, Administrator, Scope.All);
            Add("olivia", TestOrg.Finance, Operator, Scope.Division);
            Add("victor", TestOrg.Finance, Validator, Scope.Division);
            Add("vera", TestOrg.Engineering, Validator, Scope.Department);
            Add("carol", TestOrg.Payroll, Cardholder, Scope.Self);
            Add("dave", TestOrg.Engineering, Cardholder, Scope.Self);
            Add("erin", TestOrg.Finance, Cardholder, Scope.Self, enabled: false);
            AddProfile(FileStore, SoftCertificateLocation.FileStore, approvals: 1);
            AddProfile(SystemStore, SoftCertificateLocation.SystemStore, approvals: 1);
            AddProfile(DualControl, SoftCertificateLocation.FileStore, approvals: 2);
        }

        public Person Person(string logonName) => _people[logonName];

        public CredentialProfile Profile(string id) => _profiles[id];

        public AccessContext Access(string logonName) => new(Caller.From(_people[logonName], Roles), TestOrg.Policy);

        /// <summary>A soft-certificate request for one archived certificate, brought to <paramref name="status"/> through its own methods.</summary>
        public RecoveryRequest Request(string requester, string target, string profileId, RequestStatus status, DateTime now)
        {
            var profile = _profiles[profileId];
            var request = RecoveryRequest.Open("req-1", RequestKind.SoftCertificate, target, "g-payroll", null, profileId, [$"cert-{target}"], requester, profile.ApprovalsRequired, profile.MaxReleases, now, null, Channel.Api);
            var outcome = status switch
            {
                RequestStatus.AwaitingValidation when profile.ApprovalsRequired > 1 => request.Approve("someone-else", null, now, Channel.Api),
                RequestStatus.AwaitingValidation => Result.Ok(),
                RequestStatus.AwaitingIssue => request.Approve("someone-else", null, now, Channel.Api),
                RequestStatus.InProgress => Steps(request.Approve("someone-else", null, now, Channel.Api), () => request.BeginCollection(target, "lease-1", now, Channel.Api)),
                RequestStatus.Completed => Steps(
                    request.Approve("someone-else", null, now, Channel.Api),
                    () => request.BeginCollection(target, "lease-1", now, Channel.Api),
                    () => request.Complete(target, null, now, Channel.Api)),
                RequestStatus.Rejected => request.Reject("someone-else", null, now, Channel.Api),
                RequestStatus.Cancelled => request.Cancel(requester, null, now, Channel.Api),
                _ => throw new ArgumentOutOfRangeException(nameof(status), status, "The table does not use this status."),
            };
            Assert.True(outcome.IsSuccess, outcome.Error?.Code);
            Assert.Equal(status, request.Status);
            return request;
        }

        /// <summary>The workflow over an in-memory store holding the organisation, the request and its archived certificate.</summary>
        public RecoveryWorkflow Workflow(RecoveryRequest request, TimeProvider clock)
        {
            var store = new InMemoryKeywardStore();
            store.Seed<Person>(_people.Values);
            store.Seed<CredentialProfile>(_profiles.Values);
            var now = clock.GetUtcNow().UtcDateTime;
            var certificate = new Certificate(request.Certificates[0].CertificateId, request.TargetId, "policy", "01", "CN=CA", $"CN={request.TargetId}", "00", now.AddYears(-1), now.AddYears(1), [1]);
            certificate.AttachArchivedKey("key-1");
            store.Seed(certificate);
            store.Seed(new ArchivedKey("key-1", certificate.Id, [1], "storage-1", now));
            store.Seed(request);
            return new RecoveryWorkflow(store, new AuditTrail(store, clock), new ReleasedKeys(), CommonPasswords.BuiltIn, clock, new ServerInstance("test"), new CollectionOptions());
        }

        private static Result Steps(Result first, params Func<Result>[] rest)
        {
            var outcome = first;
            foreach (var next in rest)
            {
                if (!outcome.IsSuccess)
                {
                    return outcome;
                }

                outcome = next();
            }

            return outcome;
        }

        private void Add(string logonName, Group group, Role role, Scope scope, bool enabled = true)
        {
            var person = new Person(logonName, logonName, logonName, $"{logonName}@acme.example", group.Id, enabled);
            person.Assign(role, scope);
            _people[logonName] = person;
        }

        private void AddProfile(string id, SoftCertificateLocation location, int approvals)
        {
            string[] everyone = [Administrator.Id, Operator.Id, Validator.Id, Cardholder.Id];
            _profiles[id] = CredentialProfile.Create(id, new CredentialProfileSettings
            {
                Name = id,
                CardEncoding = CardEncoding.SoftwareCertificates,
                KeyRecoveryOnly = true,
                ApprovalsRequired = approvals,
                SoftCertificateLocation = location,
                CanRequest = [Administrator.Id, Operator.Id, Cardholder.Id],
                CanValidate = [Administrator.Id, Validator.Id],
                CanCollect = [Administrator.Id, Operator.Id, Cardholder.Id],
                CanReceive = everyone,
            }).Value;
        }
    }

    /// <summary>Releases stand-in packages: these tests are about who may act, not about key material.</summary>
    private sealed class ReleasedKeys : IKeyRecovery
    {
        public IReadOnlyList<byte[]> Chain => [];

        public Result<byte[]> BuildPfx(IReadOnlyList<KeyToRecover> keys, string password, PfxProtection protection, bool passwordHasFullEntropy) => new byte[] { 1 };

        public Result<TransportPackage> WrapForTransport(IReadOnlyList<KeyToRecover> keys, byte[] transportPublicKey, TransportHash hash, TransportKdf kdf) =>
            new TransportPackage("test", [1], keys.Select(k => new WrappedKeyView(k.CertificateId, [2])).ToList());

        public Error? CheckTransportKey(byte[] transportPublicKey) => null;

        public GeneratedPassword GeneratePassword(SecretPolicy policy) => new("generated", HasFullEntropy: true);
    }
}
