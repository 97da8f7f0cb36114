using System.Globalization;
using System.Text.RegularExpressions;
using Keyward.ApiClients;
using Keyward.Audit;
using Keyward.Recovery;
using Microsoft.Extensions.Time.Testing;

namespace Keyward.Tests.ApiClients;

/// <summary>
/// <see cref="SignInFailureTally"/>: a flood of refused sign-ins makes at most two audit entries per source, code and
/// minute, and the counts they carry add up to every failure.
/// </summary>
public sealed partial class SignInFailureTallyTests
{
    private static readonly SignInOrigin Here = new("192.0.2.7", Channel.Cli);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly SignInFailureTally _tally;

    public SignInFailureTallyTests() => _tally = new SignInFailureTally(_clock);

    [Fact]
    public void Count_FirstFailureOfAClient_IsAnEntryAtOnce()
    {
        var entry = Assert.Single(_tally.Count(WrongSecret("olivia-cli")));

        Assert.Equal(("olivia-cli", "auth.sign_in", AuditOutcome.Refused, "auth.invalid_client", Channel.Cli), (entry.ActorName, entry.Action, entry.Outcome, entry.Code, entry.Channel));
        Assert.Equal(1, CountOf(entry));
    }

    [Fact]
    public void Count_HundredFailuresInOneMinute_OneEntryNowAndOneWhenTheMinuteCloses()
    {
        var written = new List<AuditEntry>();
        for (var i = 0; i < 100; i++)
        {
            written.AddRange(_tally.Count(WrongSecret("olivia-cli")));
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Single(written);
        Assert.Empty(_tally.TakeClosed());

        _clock.Advance(TimeSpan.FromSeconds(10));
        written.AddRange(_tally.TakeClosed());

        Assert.Equal(2, written.Count);
        Assert.Equal(100, written.Sum(CountOf));
        Assert.Contains("from 2026-11-01T09:00:00Z to 2026-11-01T09:00:49Z", written[1].Details, StringComparison.Ordinal);
        Assert.Empty(_tally.TakeAll());
    }

    [Fact]
    public void Count_FirstFailureAfterTheMinute_WritesTheRestOfTheMinuteThenItself()
    {
        _tally.Count(WrongSecret("olivia-cli"));
        _tally.Count(WrongSecret("olivia-cli"));
        _tally.Count(WrongSecret("olivia-cli"));

        _clock.Advance(SignInFailureTally.Minute);
        var written = _tally.Count(WrongSecret("olivia-cli"));

        Assert.Equal([2, 1], written.Select(CountOf));
        Assert.Empty(_tally.TakeAll());
    }

    [Fact]
    public void TakeAll_MinuteStillOpen_WritesItsCount()
    {
        _tally.Count(WrongSecret("olivia-cli"));
        _tally.Count(WrongSecret("olivia-cli"));
        _tally.Count(WrongSecret("carol-cli"));

        var rest = Assert.Single(_tally.TakeAll());

        Assert.Equal(("olivia-cli", 1), (rest.ActorName, CountOf(rest)));
        Assert.Empty(_tally.TakeAll());
    }

    [Fact]
    public void Count_UnknownClientIdsFromOneAddress_CountedAgainstTheAddressNamingAFewIds()
    {
        var written = new List<AuditEntry>();
        for (var i = 0; i < 50; i++)
        {
            written.AddRange(_tally.Count(Unknown($"guess-{i}")));
        }

        written.AddRange(_tally.TakeAll());

        Assert.Equal(2, written.Count);
        Assert.All(written, e => Assert.Equal("192.0.2.7", e.ActorName));
        Assert.Equal(50, written.Sum(CountOf));
        Assert.Contains("Client id presented: 'guess-0'.", written[0].Details, StringComparison.Ordinal);
        Assert.Contains("Client ids presented: 'guess-1', 'guess-2', 'guess-3' and others.", written[1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_SameClientDifferentCodes_CountedApart()
    {
        var wrong = _tally.Count(WrongSecret("erin-cli"));
        var disabled = _tally.Count(new SignInFailure("erin-cli", "p-erin", SignInErrors.PersonDisabled, Here, ByAddress: false));

        Assert.Equal("auth.invalid_client", Assert.Single(wrong).Code);
        var entry = Assert.Single(disabled);
        Assert.Equal(("auth.person_disabled", "p-erin", "p-erin"), (entry.Code, entry.ActorId, entry.SubjectId));
    }

    private static SignInFailure WrongSecret(string clientId) => new(clientId, null, SignInErrors.UnknownClient, Here, ByAddress: false);

    private static SignInFailure Unknown(string clientId) => new(clientId, null, SignInErrors.UnknownClient, Here, ByAddress: true);

    private static int CountOf(AuditEntry entry)
    {
        var match = Counted().Match(entry.Details);
        Assert.True(match.Success, $"No count in '{entry.Details}'");
        return int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<count>\d+) (more )?sign-ins? refused")]
    private static partial Regex Counted();
}
