namespace Custos.Domain.Organizations;

/// Draws a new, unguessable journal address (randomness and the configured mail domain stay
/// outside the domain model).
public interface IJournalAddressGenerator
{
    string NewAddress();
}
