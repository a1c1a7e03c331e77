/** SCIM Me (reference 8.2): the local workspace's one user. */
import type {Routes} from '../http/router.js'
import {LOCAL_USER} from '../identity.js'

export function registerScimRoutes(routes: Routes): void {
  routes.get('/api/2.0/preview/scim/v2/Me', () => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:workspace:2.0:User'],
    id: LOCAL_USER.id,
    userName: LOCAL_USER.userName,
    displayName: LOCAL_USER.displayName,
    active: true,
    name: {givenName: LOCAL_USER.givenName, familyName: LOCAL_USER.familyName},
    emails: [{value: LOCAL_USER.userName, type: 'work', primary: true}],
    groups: [{display: 'admins', type: 'direct', value: LOCAL_USER.adminsGroupId, $ref: `Groups/${LOCAL_USER.adminsGroupId}`}],
    entitlements: [{value: 'workspace-access'}, {value: 'databricks-sql-access'}, {value: 'allow-cluster-create'}],
  }))
}
