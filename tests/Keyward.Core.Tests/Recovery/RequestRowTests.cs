using System.Reflection;
using Keyward.Common;
using Keyward.Recovery;

namespace Keyward.Tests.Recovery;

/// <summary>
/// A page of request views reads each request's row through <see cref="RecoveryRequest.Row"/> and its lists by
/// themselves: the row must carry every column, or the actions a view offers (RequestActions) would be decided on a
/// request that is not the stored one.
/// </summary>
public class RequestRowTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Row_CarriesEveryColumnOfTheRequest()
    {
        // Between them, a collection in progress on a server process and one whose keys went to the client set every column.
        var held = Collected(release: false);
        var released = Collected(release: true);
        var row = RecoveryRequest.Row.Compile();
        var columns = typeof(RecoveryRequest).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).ToList();

        Assert.True(columns.Count >= 20, "the request's columns were not found");
        foreach (var column in columns)
        {
            Assert.True(IsSet(column.GetValue(held)) || IsSet(column.GetValue(released)), $"{column.Name} is set by neither request: the test does not cover it");
            Assert.Equal(column.GetValue(held), column.GetValue(row(held)));
            Assert.Equal(column.GetValue(released), column.GetValue(row(released)));
        }
    }

    [Fact]
    public void Shown_GivesTheRowItsListsWithTheHistoryInOrder()
    {
        var request = Collected(release: true);
        var shown = RecoveryRequest.Row.Compile()(request).Shown(request.Certificates, request.Approvals, request.History.Reverse());

        Assert.Equal(request.Certificates, shown.Certificates);
        Assert.Equal(request.Approvals, shown.Approvals);
        Assert.Equal(request.History, shown.History);
        Assert.Equal(["Requested", "Approved", "CollectionStarted", "Released"], shown.History.Select(h => h.Action));
    }

    private static RecoveryRequest Collected(bool release)
    {
        var request = RecoveryRequest.Open(
            "request-1", RequestKind.DeviceUpdate, "carol", "finance", "device-1", "profile-1", ["cert-1", "cert-2"], "olivia", 1, 2, Now, TimeSpan.FromDays(7), Channel.Web);
        Assert.True(request.Approve("victor", "Checked.", Now, Channel.Web).IsSuccess);
        Assert.True(request.BeginCollection("carol", "lease-1", Now.AddMinutes(1), Channel.Cli, "collection-1", "SERIAL-1").IsSuccess);
        if (release)
        {
            Assert.True(request.Release("carol", Now.AddMinutes(2), Channel.Cli).IsSuccess);
        }

        return request;
    }

    private static bool IsSet(object? value) => value switch
    {
        null => false,
        string s => s.Length > 0,
        int i => i != 0,
        Guid g => g != Guid.Empty,
        DateTime d => d != default,
        Enum e => Convert.ToInt32(e, System.Globalization.CultureInfo.InvariantCulture) != 0,
        _ => true,
    };
}
