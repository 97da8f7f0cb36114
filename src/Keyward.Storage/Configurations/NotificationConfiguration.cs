using Keyward.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keyward.Storage.Configurations;

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        // No foreign key to People: a message is a record of what was sent to an address, kept as it was.
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).HasMaxLength(64);
        builder.Property(n => n.PersonId).HasMaxLength(64);
        builder.Property(n => n.To).HasMaxLength(320);
        builder.Property(n => n.Subject).HasMaxLength(400);
        builder.Property(n => n.Body).HasMaxLength(8000);
        builder.Property(n => n.LastError).HasMaxLength(Notification.MaxErrorLength);
        builder.Property(n => n.ConcurrencyStamp).IsConcurrencyToken();
        builder.Ignore(n => n.GaveUp);

        // The dispatcher's question: unsent, not given up, due.
        builder.HasIndex(n => new { n.SentAt, n.NextAttemptAt });
        builder.HasIndex(n => n.PersonId);
    }
}
