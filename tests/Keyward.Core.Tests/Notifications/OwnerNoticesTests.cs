using Keyward.Notifications;
using Keyward.People;

namespace Keyward.Tests.Notifications;

public class OwnerNoticesTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void For_OwnerWithEmail_NoticeToTheirAddressDueNow()
    {
        var carol = new Person("p-carol", "carol", "Carol", "carol@acme.example", "g-payroll", true);

        var notice = OwnerNotices.For(carol, "Your request", "Text.", Now);

        Assert.NotNull(notice);
        Assert.Equal(("p-carol", "carol@acme.example", "Your request", "Text."), (notice.PersonId, notice.To, notice.Subject, notice.Body));
        Assert.Equal((Now, Now), (notice.CreatedAt, notice.NextAttemptAt));
        Assert.False(string.IsNullOrEmpty(notice.Id));
        Assert.NotEqual(notice.Id, OwnerNotices.For(carol, "Your request", "Text.", Now)!.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void For_OwnerWithoutEmail_Null(string email)
    {
        var dave = new Person("p-dave", "dave", "Dave", email, "g-engineering", true);

        Assert.Null(OwnerNotices.For(dave, "Your request", "Text.", Now));
    }
}
