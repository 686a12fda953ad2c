using Custos.Domain.Partners;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data.Webhooks;

internal static class WebhookModel
{
    private static string Quote(string identifier) => $"\"{identifier}\"";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<WebhookEndpoint>(e =>
        {
            e.ToTable("WebhookEndpoints");
            e.HasKey(x => x.Id);
            e.Property(x => x.Url).HasMaxLength(WebhookEndpoint.MaxUrlLength);
            e.Property(x => x.Description).HasMaxLength(WebhookEndpoint.MaxDescriptionLength);
            e.Property(x => x.EventTypes).HasMaxLength(WebhookEndpoint.MaxEventTypesLength);
            e.Property(x => x.ProtectedSecret).HasMaxLength(WebhookEndpoint.MaxProtectedSecretLength);
            e.Property(x => x.PreviousProtectedSecret).HasMaxLength(WebhookEndpoint.MaxProtectedSecretLength);
            e.Property(x => x.DisabledReason).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.CreatedByName).HasMaxLength(256);
            e.Property(x => x.LastResult).HasMaxLength(WebhookDelivery.MaxResultLength);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Ignore(x => x.Subscribed);
            e.Ignore(x => x.IsAutoDisabled);

            // Saving an audited change looks up the enabled endpoints of a few partners.
            e.HasIndex(x => new { x.PartnerId, x.Enabled });
            e.HasOne<Partner>().WithMany().HasForeignKey(x => x.PartnerId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WebhookMessage>(e =>
        {
            e.ToTable("WebhookMessages");
            e.HasKey(x => x.Id);
            e.Property(x => x.Type).HasMaxLength(WebhookMessage.MaxTypeLength);
            e.Ignore(x => x.WebhookId);
            e.HasIndex(x => x.CreatedAt);
        });

        builder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("WebhookDeliveries");
            e.HasKey(x => x.Id);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.LastResult).HasMaxLength(WebhookDelivery.MaxResultLength);
            e.Property(x => x.Version).IsConcurrencyToken();

            // The job's due deliveries; an endpoint's log, newest first (keyset on Id).
            e.HasIndex(x => x.NextAttemptAt).HasFilter($"{Quote(nameof(WebhookDelivery.Status))} = 'Pending'");
            e.HasIndex(x => new { x.EndpointId, x.Id });
            e.HasIndex(x => x.MessageId);
            e.HasOne<WebhookMessage>().WithMany().HasForeignKey(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WebhookAttempt>(e =>
        {
            e.ToTable("WebhookAttempts");
            e.HasKey(x => x.Id);
            e.Property(x => x.Error).HasMaxLength(WebhookDelivery.MaxResultLength);
            e.Property(x => x.ResponseExcerpt).HasMaxLength(WebhookAttempt.MaxExcerptLength);
            e.HasIndex(x => new { x.DeliveryId, x.Id });
            e.HasOne<WebhookDelivery>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
