"""The GraphQL documents the Railway provider sends, one constant each.

Every document is checked against `schema.graphql` (the published schema's
subset) by the tests' server. Variables are typed in the document, so the
server can check the values' types too. Names follow Railway's CLI.
"""

from __future__ import annotations

PROJECT_CREATE = """
mutation ProjectCreate($input: ProjectCreateInput!) {
  projectCreate(input: $input) {
    id
    name
    environments { edges { node { id name } } }
  }
}
"""

PROJECT_UPDATE = """
mutation ProjectUpdate($id: String!, $input: ProjectUpdateInput!) {
  projectUpdate(id: $id, input: $input) { id name }
}
"""

PROJECT_DELETE = """
mutation ProjectDelete($id: String!) {
  projectDelete(id: $id)
}
"""

PROJECT_READ = """
query Project($id: String!) {
  project(id: $id) {
    id
    name
    description
    environments { edges { node { id name } } }
  }
}
"""

SERVICE_CREATE = """
mutation ServiceCreate($input: ServiceCreateInput!) {
  serviceCreate(input: $input) { id name }
}
"""

SERVICE_UPDATE = """
mutation ServiceUpdate($id: String!, $input: ServiceUpdateInput!) {
  serviceUpdate(id: $id, input: $input) { id name }
}
"""

SERVICE_INSTANCE_UPDATE = """
mutation ServiceInstanceUpdate($serviceId: String!, $environmentId: String, $input: ServiceInstanceUpdateInput!) {
  serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input)
}
"""

SERVICE_DELETE = """
mutation ServiceDelete($id: String!, $environmentId: String) {
  serviceDelete(id: $id, environmentId: $environmentId)
}
"""

SERVICE_DOMAIN_CREATE = """
mutation ServiceDomainCreate($input: ServiceDomainCreateInput!) {
  serviceDomainCreate(input: $input) { id domain }
}
"""

SERVICE_INSTANCE_READ = """
query ServiceInstance($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) {
    serviceId
    serviceName
    environmentId
    healthcheckPath
    healthcheckTimeout
    numReplicas
    restartPolicyType
    restartPolicyMaxRetries
    rootDirectory
    dockerfilePath
    startCommand
    railwayConfigFile
    source { image repo }
  }
}
"""

VARIABLE_COLLECTION_UPSERT = """
mutation VariableCollectionUpsert($input: VariableCollectionUpsertInput!) {
  variableCollectionUpsert(input: $input)
}
"""

VARIABLE_DELETE = """
mutation VariableDelete($input: VariableDeleteInput!) {
  variableDelete(input: $input)
}
"""

VOLUME_CREATE = """
mutation VolumeCreate($input: VolumeCreateInput!) {
  volumeCreate(input: $input) { id name }
}
"""

VOLUME_DELETE = """
mutation VolumeDelete($volumeId: String!) {
  volumeDelete(volumeId: $volumeId)
}
"""

ALL: dict[str, str] = {
    name: value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
}
