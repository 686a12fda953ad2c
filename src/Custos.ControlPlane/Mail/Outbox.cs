using Custos.Data;
using Custos.Domain.Mail;

namespace Custos.ControlPlane.Mail;

/// Where links in mail point, and the domain of Message-IDs. The host provides it from its
/// configuration (Custos:PublicUrl, Custos:Mail:From).
public interface IMailAddresses
{
    /// The partner portal's root, ending with "/".
    Uri PublicBase { get; }

    /// The customer portal's root (its own area under the public address), ending with "/".
    Uri CustomerPortal => new(PublicBase, "portal/");

    /// The right-hand side of Message-IDs.
    string MessageIdDomain { get; }
}

/// Adds messages to the outbox in the caller's unit of work: they are saved by the same
/// SaveChangesAsync as the change that causes them, and delivered afterwards by the delivery job.
public sealed class Outbox(AppDbContext db, TimeProvider clock, IMailAddresses addresses)
{
    public IMailAddresses Addresses => addresses;

    public OutboxMessage Add(OutgoingMail mail, string kind, Guid? partnerId = null, Guid? organizationId = null)
    {
        var message = OutboxMessage.Create(mail, kind, clock.GetUtcNow(), addresses.MessageIdDomain, partnerId, organizationId);
        db.OutboxMessages.Add(message);
        return message;
    }
}
