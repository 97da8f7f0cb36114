using System.Net;
using Keyward.Server.Tests.Infrastructure;

namespace Keyward.Server.Tests.Recovery;

/// <summary>
/// The validation rules of docs/recovery.md#validating through <c>POST /api/requests/{id}/approve</c> and <c>/reject</c>: each refusal answers its
/// own code and leaves the request's status, approvals and history as they were; the refusal is audited.
/// </summary>
public sealed class ValidationRefusalTests
{
    private const string SoftCertificate = "Key Recovery - Soft Certificate";

    // ValidateRequest, the person in scope, a role on Can validate.
    [Fact]
    public async Task Validating_WithoutValidateRequest_IsForbidden()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var id = await AdminRequestsForCarolAsync(refusals, SoftCertificate);

        // Olivia sees the request (carol is in her division) but is an operator, not a validator.
        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "approve"), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Contains("ValidateRequest", detail, StringComparison.Ordinal);
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "reject", new { reason = "No." }), HttpStatusCode.Forbidden, "recovery.forbidden");
        Assert.Equal("AwaitingValidation", await RecoverySteps.StatusAsync(refusals.Admin, id));
    }

    [Fact]
    public async Task Validating_WithARoleNotOnCanValidate_IsRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var profile = await DemoChanges.AddProfileAsync(server, "Administrators validate only", (s, roles) => s with { CanValidate = [roles["Administrator"]] });
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = (await RecoverySteps.RequestAsync(olivia, carolId, profile, [carols.Current])).GetProperty("id").GetString()!;

        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "approve"), HttpStatusCode.Forbidden, "recovery.cannot_validate");
        Assert.Contains("Administrators validate only", detail, StringComparison.Ordinal);
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "reject"), HttpStatusCode.Forbidden, "recovery.cannot_validate");

        // A validator whose role is on the list decides it.
        Assert.Equal("AwaitingIssue", (await RecoverySteps.ApproveAsync(refusals.Admin, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Validating_ARequestForSomeoneOutOfScope_AnswersRequestNotFound()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var vera = await server.SignInAsync("vera");
        var id = await AdminRequestsForCarolAsync(refusals, SoftCertificate);

        // Vera validates Engineering only: carol's request is not even visible to her.
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(vera, id, "approve"), HttpStatusCode.NotFound, "recovery.not_found");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(vera, id, "reject"), HttpStatusCode.NotFound, "recovery.not_found");
        using var unknown = await RecoverySteps.PostAsync(vera, "00000000000000000000000000000000", "approve");
        await Json.ProblemAsync(unknown, HttpStatusCode.NotFound, "recovery.not_found");
    }

    [Fact]
    public async Task Approving_ForADisabledPerson_IsRefused_ButRejectingAndCancellingAreNot()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var toDecide = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Current])).GetProperty("id").GetString()!;
        var toCancel = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Expired])).GetProperty("id").GetString()!;

        // A disabled person receives nothing; her outstanding requests can still be ended.
        await DemoChanges.DisableAsync(server, "carol");
        await refusals.UnchangedAsync(toDecide, () => RecoverySteps.PostAsync(victor, toDecide, "approve"), HttpStatusCode.Forbidden, "recovery.target_disabled");
        Assert.Equal("Rejected", (await RecoverySteps.RejectAsync(victor, toDecide, "Carol has left.")).GetProperty("status").GetString());
        Assert.Equal("Cancelled", (await RecoverySteps.CancelAsync(olivia, toCancel, "Carol has left.")).GetProperty("status").GetString());
    }

    // Dual control.
    [Fact]
    public async Task DualControl_TheRequesterCannotValidate()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        var byAdmin = await AdminRequestsForCarolAsync(refusals, SoftCertificate);

        // Admin holds ValidateRequest for everyone, and still may not decide what she asked for.
        await refusals.UnchangedAsync(byAdmin, () => RecoverySteps.PostAsync(refusals.Admin, byAdmin, "approve"), HttpStatusCode.Forbidden, "recovery.requester_cannot_validate");
        await refusals.UnchangedAsync(byAdmin, () => RecoverySteps.PostAsync(refusals.Admin, byAdmin, "reject"), HttpStatusCode.Forbidden, "recovery.requester_cannot_validate");

        // The requester is told so whatever their roles: olivia holds no ValidateRequest at all.
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var byOlivia = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Expired])).GetProperty("id").GetString()!;
        await refusals.UnchangedAsync(byOlivia, () => RecoverySteps.PostAsync(olivia, byOlivia, "approve"), HttpStatusCode.Forbidden, "recovery.requester_cannot_validate");
    }

    [Fact]
    public async Task DualControl_TheRecipientCannotValidate()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var carol = await server.SignInAsync("carol");
        var id = await AdminRequestsForCarolAsync(refusals, SoftCertificate);

        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "approve"), HttpStatusCode.Forbidden, "recovery.recipient_cannot_validate");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "reject"), HttpStatusCode.Forbidden, "recovery.recipient_cannot_validate");
    }

    [Fact]
    public async Task DualControl_TheSameApproverTwice_IsRefused_AndMDistinctApproversAreNeeded()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = (await RecoverySteps.RequestAsync(olivia, carolId, "Key Recovery - Dual Control", [carols.Current])).GetProperty("id").GetString()!;

        var first = await RecoverySteps.ApproveAsync(victor, id);
        Assert.Equal(("AwaitingValidation", 1), (first.GetProperty("status").GetString(), first.GetProperty("approvals").GetArrayLength()));

        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "approve", new { notes = "Again." }), HttpStatusCode.Conflict, "recovery.already_approved");
        var after = await RecoverySteps.GetAsync(refusals.Admin, id);
        Assert.Equal(("AwaitingValidation", 1), (after.GetProperty("status").GetString(), after.GetProperty("approvals").GetArrayLength()));

        // A second, distinct approver completes the m of n.
        var second = await RecoverySteps.ApproveAsync(refusals.Admin, id);
        Assert.Equal(("AwaitingIssue", 2), (second.GetProperty("status").GetString(), second.GetProperty("approvals").GetArrayLength()));
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "approve"), HttpStatusCode.Conflict, "recovery.wrong_state");
    }

    [Fact]
    public async Task OneRejection_EndsTheRequest()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        using var carol = await server.SignInAsync("carol");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = (await RecoverySteps.RequestAsync(olivia, carolId, "Key Recovery - Dual Control", [carols.Current])).GetProperty("id").GetString()!;
        await RecoverySteps.ApproveAsync(victor, id);

        // One approval of two given; admin's rejection still ends the request.
        var rejected = await RecoverySteps.RejectAsync(refusals.Admin, id, "Not authorised by the data owner.");
        Assert.Equal("Rejected", rejected.GetProperty("status").GetString());

        var detail = await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(refusals.Admin, id, "approve"), HttpStatusCode.Conflict, "recovery.wrong_state");
        Assert.Contains("Rejected", detail, StringComparison.Ordinal);
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "reject"), HttpStatusCode.Conflict, "recovery.wrong_state");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(carol, id, "collect"), HttpStatusCode.Conflict, "recovery.not_collectable");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "cancel"), HttpStatusCode.Conflict, "recovery.wrong_state");
        Assert.Equal("Rejected", await RecoverySteps.StatusAsync(refusals.Admin, id));

        // The certificate is free again for a new request.
        Assert.Equal("AwaitingValidation", (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Current])).GetProperty("status").GetString());
    }

    // Notes and reasons.
    [Fact]
    public async Task NotesAndReasons_AreRecordedInApprovalsAndHistory()
    {
        await using var server = await DemoServer.StartAsync();
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);

        var approved = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Current])).GetProperty("id").GetString()!;
        using (var response = await RecoverySteps.PostAsync(victor, approved, "approve", new { notes = "  Ticket 4711: laptop stolen.  " }))
        {
            var request = await Json.ReadAsync(response, HttpStatusCode.OK);
            var approval = Assert.Single(request.GetProperty("approvals").EnumerateArray().ToList());
            Assert.Equal(("victor", "Ticket 4711: laptop stolen."), (approval.GetProperty("approverName").GetString(), approval.GetProperty("notes").GetString()));
            var last = request.GetProperty("history").EnumerateArray().Last();
            Assert.Equal(("Approved", "victor", "Ticket 4711: laptop stolen."), (last.GetProperty("action").GetString(), last.GetProperty("actorName").GetString(), last.GetProperty("notes").GetString()));
        }

        var rejected = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Expired])).GetProperty("id").GetString()!;
        var afterReject = await RecoverySteps.RejectAsync(victor, rejected, "No ticket.");
        var rejection = afterReject.GetProperty("history").EnumerateArray().Last();
        Assert.Equal(("Rejected", "victor", "No ticket."), (rejection.GetProperty("action").GetString(), rejection.GetProperty("actorName").GetString(), rejection.GetProperty("notes").GetString()));

        var cancelled = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Revoked])).GetProperty("id").GetString()!;
        var afterCancel = await RecoverySteps.CancelAsync(olivia, cancelled, "Asked for by mistake.");
        var cancellation = afterCancel.GetProperty("history").EnumerateArray().Last();
        Assert.Equal(("Cancelled", "olivia", "Asked for by mistake."), (cancellation.GetProperty("action").GetString(), cancellation.GetProperty("actorName").GetString(), cancellation.GetProperty("notes").GetString()));
    }

    [Fact]
    public async Task NotesOrReasonsOverTwoThousandCharacters_AreRefused()
    {
        await using var server = await DemoServer.StartAsync();
        using var refusals = await Refusals.OnAsync(server);
        using var olivia = await server.SignInAsync("olivia");
        using var victor = await server.SignInAsync("victor");
        var carolId = await Json.PersonIdAsync(olivia, "carol");
        var carols = await CardholderCertificates.OfAsync(olivia, carolId);
        var id = (await RecoverySteps.RequestAsync(olivia, carolId, SoftCertificate, [carols.Current])).GetProperty("id").GetString()!;
        var tooLong = new string('n', 2001);

        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "approve", new { notes = tooLong }), HttpStatusCode.BadRequest, "recovery.notes_too_long");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(victor, id, "reject", new { reason = tooLong }), HttpStatusCode.BadRequest, "recovery.notes_too_long");
        await refusals.UnchangedAsync(id, () => RecoverySteps.PostAsync(olivia, id, "cancel", new { reason = tooLong }), HttpStatusCode.BadRequest, "recovery.notes_too_long");

        // 2000 characters are kept whole.
        var longest = new string('n', 2000);
        using var response = await RecoverySteps.PostAsync(victor, id, "approve", new { notes = longest });
        var approved = await Json.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(longest, approved.GetProperty("approvals")[0].GetProperty("notes").GetString());
    }

    private static async Task<string> AdminRequestsForCarolAsync(Refusals refusals, string profile)
    {
        var carolId = await Json.PersonIdAsync(refusals.Admin, "carol");
        var carols = await CardholderCertificates.OfAsync(refusals.Admin, carolId);
        var request = await RecoverySteps.RequestAsync(refusals.Admin, carolId, profile, [carols.Current]);
        Assert.Equal("AwaitingValidation", request.GetProperty("status").GetString());
        return request.GetProperty("id").GetString()!;
    }
}
