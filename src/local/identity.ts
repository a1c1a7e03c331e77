/** The one user of the local workspace: every object it creates is owned by this principal. */
export const LOCAL_USER = {
  id: '4200000000000001',
  userName: 'local-admin@lakectl.local',
  displayName: 'Local Admin',
  givenName: 'Local',
  familyName: 'Admin',
  adminsGroupId: '4200000000000002',
} as const

export const LOCAL_USER_NAME = LOCAL_USER.userName

/** The local workspace's id (what Databricks reports as workspace_id, e.g. in lineage). */
export const LOCAL_WORKSPACE_ID = 4200000000000000
