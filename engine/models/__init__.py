"""The models and their maths: sigmoid, logistic and softmax regression, the losses, the plane, metrics, evidence maps."""
