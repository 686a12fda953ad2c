using Custos.Domain;

namespace Custos.ControlPlane.ApiKeys;

/// An Administrator acts only on its groups' organizations; a key belongs to no group, so it would see nothing.
public sealed record AdministratorKeyRefused()
    : Error("administrator_key_refused",
        "API keys cannot have the Administrator role: administrators act through their groups, and a key belongs to none. Choose Full administrator or Read-only.")
{
    public override string? Field => "role";
}
