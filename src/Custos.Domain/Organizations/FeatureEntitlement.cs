using Custos.Domain.Audit;

namespace Custos.Domain.Organizations;

/// The operator's grant of one sales-gated feature, either to a partner (covering every
/// organization of that partner and of the partners below it) or to one organization.
public sealed class FeatureEntitlement
{
    private FeatureEntitlement()
    {
        GrantedById = "";
        GrantedByName = "";
    }

    public Guid Id { get; private set; }

    public OrganizationFeature Feature { get; private set; }

    /// Set for a grant to a partner and its subtree; null for a grant to one organization.
    public Guid? PartnerId { get; private set; }

    /// Set for a grant to one organization; null for a grant to a partner.
    public Guid? OrganizationId { get; private set; }

    public DateTimeOffset GrantedAt { get; private set; }

    public string GrantedById { get; private set; }

    public string GrantedByName { get; private set; }

    public static Result<FeatureEntitlement> ToPartner(OrganizationFeature feature, Guid partnerId, Actor by, DateTimeOffset now) =>
        Create(feature, partnerId, null, by, now);

    public static Result<FeatureEntitlement> ToOrganization(OrganizationFeature feature, Guid organizationId, Actor by, DateTimeOffset now) =>
        Create(feature, null, organizationId, by, now);

    private static Result<FeatureEntitlement> Create(
        OrganizationFeature feature, Guid? partnerId, Guid? organizationId, Actor by, DateTimeOffset now)
    {
        if (!OrganizationFeatures.IsSalesGated(feature))
        {
            return new FeatureNotSalesGated(feature);
        }

        return new FeatureEntitlement
        {
            Id = Guid.CreateVersion7(now),
            Feature = feature,
            PartnerId = partnerId,
            OrganizationId = organizationId,
            GrantedAt = now,
            GrantedById = by.Id,
            GrantedByName = by.Name,
        };
    }
}
