"""The seed's "Basic Deployment" example in Python: run it from an app folder.

cd examples/todo && python ../basic_deployment.py
"""

import os

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.config_loader import get_scale_config
from jac_scale.factories.deployment_factory import DeploymentTargetFactory
from jac_scale.factories.utility_factory import UtilityFactory

# Get configuration (jac.toml, .env and JAC_SCALE_* variables of the current folder)
scale_config = get_scale_config()
target_config = scale_config.get_local_config()

# Create logger
logger = UtilityFactory.create_logger("standard")

# Create deployment target
deployment_target = DeploymentTargetFactory.create("local", target_config, logger)

# Create app config
app_config = AppConfig(code_folder=os.getcwd(), file_name="app.jac", build=False)

# Deploy
result = deployment_target.deploy(app_config)
print(result.success, result.service_url, result.message)
