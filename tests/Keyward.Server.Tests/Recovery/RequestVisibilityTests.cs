using System.Net;
using Keyward.Scopes;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// A recovery request about someone the caller cannot see does not exist for them: every <c>/api/requests</c> route
/// and every filter that names it answers exactly what it answers for an id that names nothing, and changes
/// nothing. Vera validates for Engineering only; dave is a cardholder (scope Self); the request is carol's.
/// </summary>
public sealed class RequestVisibilityTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private const string Nothing = "0000000000000000000000000000dead";

    private DemoServer Server => fixture.Server;

    [Fact]
    public async Task EveryRequestRoute_ForARequestTheCallerCannotSee_AnswersExactlyAsForAnUnknownId()
    {
        using var refusals = await Refusals.OnAsync(Server);
        using var vera = await Server.SignInAsync("vera");
        using var dave = await Server.SignInAsync("dave");
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var id = (await RecoverySteps.RequestAsync(refusals.Admin, carolId, "Key Recovery - Soft Certificate", [carols.Current])).GetProperty("id").GetString()!;

        foreach (var caller in new[] { vera, dave })
        {
            using (var hidden = await caller.GetAsync(new Uri($"/api/requests/{id}", UriKind.Relative)))
            using (var unknown = await caller.GetAsync(new Uri($"/api/requests/{Nothing}", UriKind.Relative)))
            {
                await Json.ProblemAsync(hidden, HttpStatusCode.NotFound, "recovery.not_found");
                Assert.Equal(await Json.ProblemTextAsync(unknown), await Json.ProblemTextAsync(hidden));
            }

            foreach (var step in new[] { "approve", "reject", "cancel", "collect", "collections", $"collections/{Nothing}/complete", $"collections/{Nothing}/fail" })
            {
                var (_, hidden) = await refusals.UnchangedProblemAsync(id, () => RecoverySteps.PostAsync(caller, id, step), HttpStatusCode.NotFound, "recovery.not_found");
                using var unknown = await RecoverySteps.PostAsync(caller, Nothing, step);
                Assert.Equal(await Json.ProblemTextAsync(unknown), hidden);
            }
        }
    }

    [Fact]
    public async Task RequestAndAuditFilters_NamingAPersonTheCallerCannotSee_FindWhatAnUnknownIdFinds()
    {
        using var admin = await Server.SignInAsync("admin");
        var carolId = await Json.PersonIdAsync(admin, "carol");
        var carols = await CardholderCertificates.OfAsync(admin, carolId);
        await RecoverySteps.RequestAsync(admin, carolId, "Key Recovery - System Store", [carols.Expired]);
        await DemoChanges.GrantAsync(Server, "vera", "Engineering auditor", Scope.Department, Operation.ViewAudit);
        using var vera = await Server.SignInAsync("vera");

        // Carol has a request and audit entries; vera's scope (Engineering) does not reach her.
        Assert.NotEqual(0, (await Json.GetAsync(admin, $"/api/requests?targetId={carolId}")).GetProperty("total").GetInt32());
        Assert.NotEqual(0, (await Json.GetAsync(admin, $"/api/audit?subjectId={carolId}")).GetProperty("total").GetInt32());
        foreach (var list in new[] { "/api/requests?targetId=", "/api/audit?subjectId=" })
        {
            var hidden = await Json.GetAsync(vera, list + carolId);
            var unknown = await Json.GetAsync(vera, list + Nothing);
            Assert.Equal(0, hidden.GetProperty("total").GetInt32());
            Assert.Equal(unknown.GetRawText(), hidden.GetRawText());
        }
    }
}
